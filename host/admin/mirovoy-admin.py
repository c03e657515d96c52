#!/usr/bin/python3
"""mirovoy-admin: manage the mail domains, mailboxes (and their quotas) and aliases of a Mirovoy mail host."""
# Runs on the primary as root. Reads its settings from /etc/mirovoy/admin.json (rendered by
# host/admin/index.ts), and the database host and admin password from the option file named
# there (its [client] group, written at run time by mirovoy-provision).
# Passwords are read from the terminal (twice) or, when stdin is not a terminal, from the
# first line of stdin; never from the command line, and they are never printed or logged.
#
# Comments, not docstrings: comment lines are left out of the copy shipped in the user data
# (host/admin/index.ts), which EC2 caps at 16 KB.
import argparse
import configparser
import getpass
import json
import re
import subprocess
import sys

import pymysql

CONFIG_PATH = "/etc/mirovoy/admin.json"
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


# A problem the user can fix; printed without a traceback.
class AdminError(Exception):
    pass


# Lower-cased (local, domain) of a full address, or an AdminError naming the problem.
def parse_address(text, what="address"):
    address = text.strip().lower()
    local, sep, domain = address.rpartition("@")
    if not sep or not LOCAL_PART.match(local) or not DOMAIN.match(domain) or len(address) > 255:
        raise AdminError(f"{what} {text!r} is not a valid e-mail address (expected user@example.com)")
    return local, domain


def parse_domain(text):
    domain = text.strip().lower()
    if not DOMAIN.match(domain):
        raise AdminError(f"domain {text!r} is not a valid domain name (expected example.com)")
    return domain


# The new password, from the terminal (asked twice) or the first line of stdin.
def read_password():
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if first != getpass.getpass("Retype new password: "):
            raise AdminError("the passwords do not match")
    else:
        first = sys.stdin.readline().rstrip("\n")
    if len(first) < 10:
        raise AdminError("the password must have at least 10 characters")
    return first


# Dovecot hash of a password. doveadm reads it twice from stdin; start_new_session detaches the
# controlling terminal so doveadm cannot prompt on /dev/tty instead.
def hash_password(password, scheme):
    result = subprocess.run(
        ["doveadm", "-O", "pw", "-s", scheme],
        input=f"{password}\n{password}\n",
        capture_output=True,
        text=True,
        start_new_session=True,
        check=False,
    )
    hashed = result.stdout.strip()
    if result.returncode != 0 or not hashed.startswith("{" + scheme + "}"):
        raise AdminError(f"doveadm pw -s {scheme} failed: {result.stderr.strip()}")
    return hashed


# The mail tables, through the least-privilege admin account.
class MailDb:

    def __init__(self, config):
        option_file = config["option_file"]
        secret = configparser.ConfigParser(interpolation=None)
        if not secret.read(option_file) or not all(secret.has_option("client", o) for o in ("host", "password")):
            raise AdminError(f"cannot read the database host and admin password from {option_file} (run as root)")
        self.conn = pymysql.connect(
            host=secret.get("client", "host"),
            port=config["port"],
            user=config["user"],
            password=secret.get("client", "password"),
            database=config["database"],
            ssl={"ca": config["tls_ca_file"]} if config.get("tls_ca_file") else None,
            ssl_verify_identity=bool(config.get("tls_ca_file")),
            autocommit=False,
        )

    def rows(self, sql, *args):
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def exists(self, sql, *args):
        return bool(self.rows(sql, *args))

    def change(self, sql, *args):
        with self.conn.cursor() as cur:
            count = cur.execute(sql, args)
        self.conn.commit()
        return count

    def require_domain(self, domain):
        if not self.exists("SELECT 1 FROM domains WHERE domain = %s", domain):
            raise AdminError(f"domain {domain} is not a mail domain here; add it first: mirovoy-admin domain add {domain}")

    def is_mailbox(self, address):
        return self.exists("SELECT 1 FROM users WHERE id = %s", address)

    def alias_targets(self, source):
        found = self.rows("SELECT destination FROM aliases WHERE mail = %s", source)
        return [t.strip().lower() for t in found[0][0].split(",") if t.strip()] if found else []


# Refuses targets in our domains that lead nowhere, and chains that lead back to source.
def check_alias(db, source, targets):
    pending, seen = list(targets), set()
    while pending:
        target = pending.pop()
        if target == source:
            raise AdminError(f"alias {source} would loop: its targets lead back to {source}")
        if target in seen:
            continue
        seen.add(target)
        _, domain = parse_address(target, "alias target")
        if not db.exists("SELECT 1 FROM domains WHERE domain = %s", domain) or db.is_mailbox(target):
            continue
        next_targets = db.alias_targets(target) or db.alias_targets("@" + domain)
        if not next_targets:
            raise AdminError(f"alias target {target} is in our domain {domain} but is neither a mailbox nor an alias")
        pending.extend(next_targets)


def cmd_domain(db, args, config):
    if args.action == "list":
        for domain, enabled in db.rows("SELECT domain, enabled FROM domains ORDER BY domain"):
            print(domain if enabled else f"{domain} (disabled)")
        return
    domain = parse_domain(args.domain)
    if args.action == "add":
        if db.exists("SELECT 1 FROM domains WHERE domain = %s", domain):
            raise AdminError(f"domain {domain} already exists")
        db.change("INSERT INTO domains (domain) VALUES (%s)", domain)
    else:
        db.require_domain(domain)
        if db.exists("SELECT 1 FROM users WHERE id LIKE %s", "%@" + domain) or db.exists(
            "SELECT 1 FROM aliases WHERE mail LIKE %s", "%@" + domain
        ):
            raise AdminError(f"domain {domain} still has mailboxes or aliases; remove them first")
        db.change("DELETE FROM domains WHERE domain = %s", domain)


def cmd_user(db, args, config):
    if args.action == "list":
        for address, name, enabled in db.rows("SELECT id, name, enabled FROM users ORDER BY id"):
            print(f"{address}\t{name}" + ("" if enabled else "\t(disabled)"))
        return
    local, domain = parse_address(args.address)
    address = f"{local}@{domain}"
    if args.action == "quota":
        cmd_quota(db, address, args.quota, config)
    elif args.action == "add":
        db.require_domain(domain)
        if db.is_mailbox(address):
            raise AdminError(f"mailbox {address} already exists")
        if db.exists("SELECT 1 FROM aliases WHERE mail = %s", address):
            raise AdminError(f"{address} is an alias; remove the alias first")
        hashed = hash_password(read_password(), config["password_scheme"])
        db.change(
            "INSERT INTO users (id, name, uid, gid, home, maildir, enabled, change_password, clear, crypt)"
            " VALUES (%s, %s, %s, %s, %s, %s, 1, 0, '', %s)",
            address, args.name or "", config["vmail_uid"], config["vmail_gid"],
            config["mailbox_root"], f"{domain}/{local}/", hashed,
        )
    elif args.action == "password":
        if not db.is_mailbox(address):
            raise AdminError(f"mailbox {address} does not exist")
        hashed = hash_password(read_password(), config["password_scheme"])
        db.change("UPDATE users SET crypt = %s, clear = '', change_password = 0 WHERE id = %s", hashed, address)
    else:
        if not db.is_mailbox(address):
            raise AdminError(f"mailbox {address} does not exist")
        db.change("DELETE FROM users WHERE id = %s", address)
        print(f"removed {address}; its mail stays in {config['mailbox_root']}/{domain}/{local}/ until you delete it")


# users.quota as mirovoy-admin writes it (host/dovecot/quota.ts reads it): '' the default, a whole
# number of MiB, or "unlimited". Other values (from other tools) count as the default.
def quota_column(text):
    value = text.strip().lower()
    if value in ("default", "unlimited"):
        return "" if value == "default" else value
    if re.fullmatch(r"[1-9][0-9]{0,8}", value):
        return value
    raise AdminError(f"quota {text!r} is not valid: give a whole number of MiB (1-999999999), default or unlimited")


def describe_quota(column, config):
    default = f"{config['default_quota_mib']} MiB"
    if column == "unlimited":
        return "unlimited (its own)"
    if re.fullmatch(r"[1-9][0-9]{0,8}", column):
        return f"{column} MiB (its own; the default is {default})"
    return f"{default} (the default)" + (f"; users.quota {column!r} is not a quota and counts as the default" if column not in ("", "0") else "")


# Usage lines from doveadm, which reads the mailbox's quota as Dovecot enforces it.
def quota_usage(address):
    result = subprocess.run(["doveadm", "-f", "tab", "quota", "get", "-u", address], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return [f"usage unknown: doveadm quota get failed: {result.stderr.strip()}"]
    lines = []
    for row in result.stdout.strip().split("\n")[1:]:
        _, kind, value, limit, percent = (row.split("\t") + [""] * 5)[:5]
        if kind.upper() == "STORAGE":
            used = int(value) / 1024
            of = "no limit" if limit in ("-", "") else f"{int(limit) / 1024:.1f} MiB"
            lines.append(f"storage: {used:.1f} MiB used of {of}" + (f" ({percent} %)" if limit not in ("-", "") else ""))
        elif kind.upper() == "MESSAGE":
            lines.append(f"messages: {value}")
    return lines


def cmd_quota(db, address, value, config):
    found = db.rows("SELECT quota FROM users WHERE id = %s", address)
    if not found:
        raise AdminError(f"mailbox {address} does not exist")
    column = found[0][0]
    if value is not None:
        column = quota_column(value)
        db.change("UPDATE users SET quota = %s WHERE id = %s", column, address)
    print(f"{address}: quota {describe_quota(column, config)}")
    for line in quota_usage(address):
        print(f"  {line}")


def cmd_alias(db, args, config):
    if args.action == "list":
        for source, destination, enabled in db.rows("SELECT mail, destination, enabled FROM aliases ORDER BY mail"):
            print(f"{source}\t{destination}" + ("" if enabled else "\t(disabled)"))
        return
    source = args.source.strip().lower()
    if source.startswith("@"):
        domain = parse_domain(source[1:])
    else:
        local, domain = parse_address(source, "alias")
        source = f"{local}@{domain}"
    db.require_domain(domain)
    if args.action == "remove":
        if db.change("DELETE FROM aliases WHERE mail = %s", source) == 0:
            raise AdminError(f"alias {source} does not exist")
        return
    if db.exists("SELECT 1 FROM aliases WHERE mail = %s", source):
        raise AdminError(f"alias {source} already exists; remove it first to change it")
    if db.is_mailbox(source):
        raise AdminError(f"{source} is a mailbox; an alias with the same address would take its mail")
    targets = ["@".join(parse_address(t, "alias target")) for t in args.targets]
    check_alias(db, source, targets)
    db.change("INSERT INTO aliases (mail, destination) VALUES (%s, %s)", source, ",".join(targets))


def parser():
    top = argparse.ArgumentParser(prog="mirovoy-admin", description=__doc__.split("\n\n")[0])
    kinds = top.add_subparsers(dest="kind", required=True)

    domain = kinds.add_parser("domain", help="mail domains").add_subparsers(dest="action", required=True)
    domain.add_parser("list", help="list domains")
    for action in ("add", "remove"):
        domain.add_parser(action, help=f"{action} a domain").add_argument("domain")

    user = kinds.add_parser("user", help="mailboxes").add_subparsers(dest="action", required=True)
    user.add_parser("list", help="list mailboxes")
    add = user.add_parser("add", help="add a mailbox (asks for its password)")
    add.add_argument("address")
    add.add_argument("--name", help="display name")
    user.add_parser("password", help="set a mailbox password (terminal or stdin)").add_argument("address")
    user.add_parser("remove", help="remove a mailbox (keeps its mail on disk)").add_argument("address")
    quota = user.add_parser("quota", help="show a mailbox's quota and usage, or set its quota")
    quota.add_argument("address")
    quota.add_argument("quota", nargs="?", metavar="MiB|default|unlimited", help="new quota: whole MiB, the configured default, or none")

    alias = kinds.add_parser("alias", help="aliases and catch-alls").add_subparsers(dest="action", required=True)
    alias.add_parser("list", help="list aliases")
    alias_add = alias.add_parser("add", help="add an alias (source: user@domain or @domain)")
    alias_add.add_argument("source")
    alias_add.add_argument("targets", nargs="+", metavar="target")
    alias.add_parser("remove", help="remove an alias").add_argument("source")
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        with open(CONFIG_PATH, encoding="utf-8") as f:
            config = json.load(f)
        db = MailDb(config)
        {"domain": cmd_domain, "user": cmd_user, "alias": cmd_alias}[args.kind](db, args, config)
    except AdminError as e:
        print(f"mirovoy-admin: {e}", file=sys.stderr)
        return 1
    except (OSError, pymysql.MySQLError) as e:
        print(f"mirovoy-admin: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
