import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { Annotations, IAspect } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Every launch template must require IMDSv2 session tokens: IMDSv1 lets a server-side request
 * forgery (e.g. in webmail) read the instance role's credentials.
 */
export class LaunchTemplateImdsv2Required implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof LaunchTemplate)) return;
    if (node.metadataOptionsInput?.httpTokens !== 'required') {
      Annotations.of(node).addError('LaunchTemplateImdsv2Required: set metadataOptions.httpTokens = "required" (IMDSv2 only).');
    }
  }
}
