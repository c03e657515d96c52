/**
 * `npm run rehearse`: boots the mail system of the selected config (MIROVOY_CONFIG, default
 * `example`) on this machine, prints how to reach it, and keeps it running until Ctrl-C.
 */
import { loadConfig } from '../configs/load';
import { ConfigError } from '../configs/problems';
import { MAIL_REHEARSAL_ADDRESSES, startMailRehearsal } from './mail-system';

async function main(): Promise<void> {
  const mail = await startMailRehearsal({ config: loadConfig() });
  const { rehearsal } = mail;
  const client = rehearsal.lan.node('client').netns;
  const shell = (name: string) => `nsenter -t ${rehearsal.host(name).pid1} -a bash`;
  console.log(`
Mail rehearsal "${mail.config.environment}" is running (run ${rehearsal.runId}).

  Primary MX      ${mail.primaryHostname} = ${MAIL_REHEARSAL_ADDRESSES.primary}: SMTP 25, submissions 465, submission 587, IMAPS 993
${mail.config.mail.backupMx.enabled ? `  Backup MX       ${mail.config.mail.backupMx.hostname} = ${MAIL_REHEARSAL_ADDRESSES.backup}: SMTP 25 (queues for the primary)\n` : ''}  Database        ${MAIL_REHEARSAL_ADDRESSES.database} (MariaDB standing in for RDS)
  Client          ${MAIL_REHEARSAL_ADDRESSES.client}; its SMTP sink stores relayed mail in ${mail.sinkDirectory}
  Test root CA    ${mail.rootCaFile}

  Shell on the MX            ${shell('mx1')}
  Shell on the database      ${shell('db')}
  Add a mailbox              ${shell('mx1')} -c 'mirovoy-admin user add alice@${mail.config.mailDomains[0]}'
  Send from the client       ip netns exec ${client} swaks -s ${MAIL_REHEARSAL_ADDRESSES.primary} -t alice@${mail.config.mailDomains[0]} -f bob@sender.test
  Read over IMAPS            ip netns exec ${client} curl --cacert ${mail.rootCaFile} --resolve ${mail.primaryHostname}:993:${MAIL_REHEARSAL_ADDRESSES.primary} -u alice@${mail.config.mailDomains[0]} imaps://${mail.primaryHostname}/INBOX

Press Ctrl-C to stop and remove everything.`);
  await new Promise<never>(() => undefined); // Rehearsal tears down on SIGINT/SIGTERM and exits.
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : `rehearsal failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
