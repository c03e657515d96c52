/** The mail record set (host/dns, what Route53 publishes) in the rehearsal DNS server's form. */
import { MailDnsRecord } from '../host/dns/mail-records';
import { DnsRecord } from './dns-records';

/** One rehearsal DNS record per value of each record set. */
export const rehearsalDnsRecords = (records: readonly MailDnsRecord[]): DnsRecord[] =>
  records.flatMap((record): DnsRecord[] => {
    switch (record.type) {
      case 'MX':
        return record.values.map((v) => ({ type: 'MX', name: record.name, value: v.host, priority: v.priority }));
      case 'TXT':
        return record.values.map((strings) => ({ type: 'TXT', name: record.name, value: strings }));
      case 'SRV':
        return record.values.map((v) => ({ type: 'SRV', name: record.name, value: `${v.weight} ${v.port} ${v.target}`, priority: v.priority }));
      case 'CAA':
        return record.values.map((v) => ({ type: 'CAA', name: record.name, value: `${v.flags} ${v.tag} "${v.value}"` }));
      default:
        return record.values.map((value) => ({ type: record.type, name: record.name, value }));
    }
  });
