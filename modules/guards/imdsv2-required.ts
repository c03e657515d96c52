import { Instance } from '@cdktf/provider-aws/lib/instance';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { Annotations, IAspect } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Every launch template and instance must require IMDSv2 session tokens: IMDSv1 lets a
 * server-side request forgery (e.g. in webmail) read the instance role's credentials.
 */
export class Imdsv2Required implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof LaunchTemplate || node instanceof Instance)) return;
    if (node.metadataOptionsInput?.httpTokens !== 'required') {
      Annotations.of(node).addError(`Imdsv2Required: set metadataOptions.httpTokens = "required" on this ${node.terraformResourceType} (IMDSv2 only).`);
    }
  }
}
