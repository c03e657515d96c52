#!/usr/bin/python3
# mirovoy-from-check: a milter on the submission services (587, 465) that lets a logged-in user
# send only with a header From: they own, by the same table Postfix asks for the envelope sender
# (smtpd_sender_login_maps, read with postmap). Postfix's reject_sender_login_mismatch binds
# MAIL FROM to the SASL login; nothing binds the From: header, which is what the recipient sees,
# what DMARC aligns and what OpenDKIM signs. See host/from-check/index.ts for why a milter of our own.
#
# Verdicts, at the end of the header:
#   no SASL login                               550 5.7.1 (submission always has one)
#   no From:, two From: fields or two addresses 550 5.7.1 (RFC 5322 §3.6: exactly one author here)
#   From: address the login does not own        550 5.7.1 "header From <x> is not an address of login <y>"
#   the owner lookup failed (database down)     451 4.3.0 (the client retries; nothing is lost)
#   otherwise                                   continue (OpenDKIM signs next)
import argparse
import subprocess
import sys
from email.utils import getaddresses

# Below Postfix's milter_command_timeout (30 s), so the client hears our 451, not Postfix's.
LOOKUP_TIMEOUT_SECONDS = 20


class LookupFailed(Exception):
    pass


# The keys Postfix looks up for an address in smtpd_sender_login_maps (mail_addr_find, strategy
# MA_FIND_DEFAULT): the full address, the address without its extension (user+tag@domain ->
# user@domain), then @domain (a catch-all alias owns the domain's addresses). The localpart-only
# key applies to mydestination domains, of which a mail host has none.
def lookup_keys(address, delimiters):
    local, _, domain = address.rpartition("@")
    keys = [address]
    cut = min((local.find(d) for d in delimiters if d and local.find(d) > 0), default=-1)
    if cut > 0:
        keys.append(f"{local[:cut]}@{domain}")
    keys.append(f"@{domain}")
    return keys


# The logins owning the first key found, as Postfix reads the map's result: a list separated by
# commas and spaces. postmap -q - prints "key<TAB>value" for each key it finds and exits 1 when it
# finds none; a table it cannot ask (database unreachable, bad map file) is a fatal error on
# stderr, also with status 1, so the status alone cannot tell "nobody" from "unknown".
def postmap_owners(table, keys):
    try:
        run = subprocess.run(["postmap", "-q", "-", table], input="".join(f"{k}\n" for k in keys),
                             capture_output=True, text=True, timeout=LOOKUP_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LookupFailed(f"postmap: {error}") from error
    if run.returncode not in (0, 1) or "fatal:" in run.stderr or (run.returncode == 1 and run.stdout):
        raise LookupFailed(f"postmap exited {run.returncode}: {run.stderr.strip()}")
    found = dict(line.split("\t", 1) for line in run.stdout.splitlines() if "\t" in line)
    for key in keys:
        if key in found:
            return [name for name in found[key].replace(",", " ").split() if name]
    return []


def reject(text):
    return ("reject", "550", "5.7.1", text)


# The verdict on one message: None to let it pass, else (kind, code, extended code, text) with
# kind "reject" or "tempfail". `owners(keys)` returns the logins owning the first key found, or
# raises LookupFailed.
def verdict(login, from_fields, owners, delimiters):
    if not login:
        return reject("submission requires a login")
    if len(from_fields) != 1:
        return reject(f"a submitted message needs exactly one From header field, this one has {len(from_fields)}")
    addresses = [address for _, address in getaddresses(from_fields)]
    if len(addresses) != 1 or "@" not in addresses[0]:
        return reject(f"header From must hold exactly one address of login {login}, not {from_fields[0].strip()!r}")
    address = addresses[0].lower()
    try:
        names = owners(lookup_keys(address, delimiters))
    except LookupFailed:
        return ("tempfail", "451", "4.3.0", f"cannot check header From <{address}> now, try again later")
    if login.lower() not in (name.lower() for name in names):
        return reject(f"header From <{address}> is not an address of login {login}")
    return None


def serve(args):
    import Milter

    class FromCheck(Milter.Base):
        def __init__(self):
            self.login = None
            self.from_fields = []

        def envfrom(self, mailfrom, *parameters):
            self.login = self.getsymval("{auth_authen}")
            self.from_fields = []
            return Milter.CONTINUE

        def header(self, name, value):
            if name.lower() == "from":
                self.from_fields.append(value)
            return Milter.CONTINUE

        def eoh(self):
            found = verdict(self.login, self.from_fields, lambda keys: postmap_owners(args.sender_login_map, keys),
                            args.recipient_delimiter)
            if found is None:
                return Milter.CONTINUE
            kind, code, xcode, text = found
            print(f"{kind} {code} {xcode} {text}", file=sys.stderr, flush=True)
            self.setreply(code, xcode, text)
            return Milter.REJECT if kind == "reject" else Milter.TEMPFAIL

    Milter.factory = FromCheck
    Milter.runmilter("mirovoy-from-check", args.socket, 60)


def main():
    parser = argparse.ArgumentParser(description="Refuse a submitted message whose header From the login does not own")
    parser.add_argument("--socket", required=True, help="milter socket, e.g. inet:8893@127.0.0.1")
    parser.add_argument("--sender-login-map", required=True, help="the Postfix table of smtpd_sender_login_maps, without proxy:")
    parser.add_argument("--recipient-delimiter", default="", help="Postfix's recipient_delimiter")
    parser.add_argument("--check", action="store_true", help="load the milter library and exit (the check before a restart)")
    args = parser.parse_args()
    if args.check:
        import Milter  # noqa: F401
        return
    serve(args)


if __name__ == "__main__":
    main()
