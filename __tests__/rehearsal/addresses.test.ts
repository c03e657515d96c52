import { AddressPool, formatIpv4, parseIpv4, parseSubnet, reverseDnsName } from '../../rehearsal/addresses';

describe('parseSubnet', () => {
  it('parses the default rehearsal range', () => {
    expect(parseSubnet('10.203.0.0/24')).toEqual({ network: parseIpv4('10.203.0.0'), prefixLength: 24 });
  });

  it.each(['10.203.0.0', '10.203.0.0/31', '10.203.0.0/7', '10.203.0.0/24/1', '10.203.0/24', '10.203.0.256/24'])('rejects %s', (cidr) => {
    expect(() => parseSubnet(cidr)).toThrow(/not (a usable subnet|an IPv4 address)/);
  });

  it('rejects host bits and suggests the network address', () => {
    expect(() => parseSubnet('10.203.0.5/24')).toThrow('did you mean 10.203.0.0/24?');
  });
});

describe('AddressPool', () => {
  it('claims fixed addresses and hands out free ones from the top', () => {
    const pool = new AddressPool('10.203.0.0/24');
    expect(pool.claim('10.203.0.10')).toBe('10.203.0.10');
    expect(pool.claimFree()).toBe('10.203.0.254');
    expect(pool.claimFree()).toBe('10.203.0.253');
    expect(pool.prefixLength).toBe(24);
  });

  it('refuses duplicates, network, broadcast and outside addresses', () => {
    const pool = new AddressPool('10.203.0.0/24');
    pool.claim('10.203.0.10');
    expect(() => pool.claim('10.203.0.10')).toThrow('used twice');
    expect(() => pool.claim('10.203.0.0')).toThrow('between 10.203.0.1 and 10.203.0.254');
    expect(() => pool.claim('10.203.0.255')).toThrow('not a host address');
    expect(() => pool.claim('10.204.0.1')).toThrow('not a host address');
  });

  it('reports when the subnet is full', () => {
    const pool = new AddressPool('10.203.0.0/30');
    pool.claimFree();
    pool.claimFree();
    expect(() => pool.claimFree()).toThrow('no free address left in 10.203.0.0/30');
  });
});

describe('IPv4 helpers', () => {
  it('round-trips addresses', () => {
    expect(formatIpv4(parseIpv4('192.168.10.254'))).toBe('192.168.10.254');
  });

  it('names the reverse-DNS record', () => {
    expect(reverseDnsName('10.203.0.5')).toBe('5.0.203.10.in-addr.arpa');
  });
});
