import { Fn, Op, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';

/**
 * A Terraform `check` block (Terraform ≥ 1.5) that warns in every `plan` and `apply` when the
 * RFC 3339 `timestamp` (e.g. a certificate's `certificate_not_after`) is less than `days` days
 * ahead. A check only warns: the plan goes on. CDKTF 0.21 has no construct for check blocks, so it
 * is added to the stack's JSON (`check.<name>`); a timestamp known only after apply (a certificate
 * still to be issued) leaves the check unknown in that plan, which Terraform reports as such.
 */
export const warnBeforeExpiry = (scope: Construct, name: string, timestamp: string, days: number): void => {
  // A Terraform identifier (a block label of the check).
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`warnBeforeExpiry: check name ${JSON.stringify(name)} must be letters, digits, _ and -, starting with a letter or _`);
  if (!Number.isInteger(days) || days < 1) throw new Error(`warnBeforeExpiry: days ${days} must be a whole number, at least 1`);
  // timecmp is 1 when the first instant is later; plantimestamp() is when the plan is made. (`== 1`,
  // not `> 0`: CDKTF 0.21's Op renders an operand 0 as "undefined".)
  const later = Op.eq(Fn.timecmp(timestamp, Fn.timeadd(Fn.plantimestamp(), `${days * 24}h`)), 1);
  TerraformStack.of(scope).addOverride(`check.${name}`, {
    assert: [
      {
        condition: Token.asString(later),
        error_message: `Expires in fewer than ${days} days (${timestamp}): renew it (terraform apply renews an ACME certificate within its min_days_remaining).`,
      },
    ],
  });
};
