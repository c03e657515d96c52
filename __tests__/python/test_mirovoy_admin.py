"""Unit tests of host/admin/mirovoy-admin.py against a fake database seam.

The seam is the CLI's MailDb class: the fake keeps its methods (the real SQL runs) and swaps
the PyMySQL connection for an in-memory SQLite one with the same three tables; doveadm is a
fake script on PATH that records its arguments. Run: python3 -m unittest discover -s __tests__/python
"""
import importlib.util
import io
import json
import os
import sqlite3
import stat
import sys
import tempfile
import types
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

SCRIPT = Path(__file__).resolve().parents[2] / "host" / "admin" / "mirovoy-admin.py"

# PyMySQL is the hosts' (Debian's python3-pymysql), not this machine's: the CLI only needs the
# module to exist and to name its error class here.
fake_pymysql = types.ModuleType("pymysql")
fake_pymysql.MySQLError = type("MySQLError", (Exception,), {})
fake_pymysql.connect = lambda **_: (_ for _ in ()).throw(AssertionError("the tests never connect to MySQL"))
sys.modules.setdefault("pymysql", fake_pymysql)

spec = importlib.util.spec_from_file_location("mirovoy_admin", SCRIPT)
admin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(admin)

SCHEMA = """
CREATE TABLE domains (domain TEXT PRIMARY KEY, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, uid INTEGER, gid INTEGER, home TEXT, maildir TEXT,
  enabled INTEGER NOT NULL DEFAULT 1, change_password INTEGER, clear TEXT, crypt TEXT);
CREATE TABLE aliases (mail TEXT PRIMARY KEY, destination TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);
"""


class SqliteCursor:
    """A DB-API cursor that takes PyMySQL's %s placeholders and returns the row count from execute."""

    def __init__(self, conn):
        self.cur = conn.cursor()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.cur.close()

    def execute(self, sql, args):
        self.cur.execute(sql.replace("%s", "?"), args)
        return self.cur.rowcount

    def fetchall(self):
        return self.cur.fetchall()


class SqliteConnection:
    def __init__(self):
        self.conn = sqlite3.connect(":memory:")
        self.conn.executescript(SCHEMA)

    def cursor(self):
        return SqliteCursor(self.conn)

    def commit(self):
        self.conn.commit()


class FakeMailDb(admin.MailDb):
    """MailDb with its queries, on SQLite instead of the RDS admin account."""

    def __init__(self, config=None):
        self.conn = SqliteConnection()


CONFIG = {"password_scheme": "ARGON2ID", "mailbox_root": "/var/vmail", "vmail_uid": 5000, "vmail_gid": 5000}


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.db = FakeMailDb()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        tmp = Path(self.tmp.name)
        config = tmp / "admin.json"
        config.write_text(json.dumps(CONFIG))
        self.doveadm_log = tmp / "doveadm.log"
        doveadm = tmp / "doveadm"
        # Like `doveadm pw`: the password twice on stdin, the hash on stdout.
        doveadm.write_text(
            "#!/bin/sh\n"
            f'echo "$@" >> "{self.doveadm_log}"\n'
            "read -r a; read -r b; [ \"$a\" = \"$b\" ] || exit 1\n"
            'echo "{$4}hash-of-$(printf %s "$a" | wc -c)-chars"\n'
        )
        doveadm.chmod(doveadm.stat().st_mode | stat.S_IEXEC)
        for patch in (
            mock.patch.object(admin, "CONFIG_PATH", str(config)),
            mock.patch.object(admin, "MailDb", lambda _config: self.db),
            mock.patch.dict(os.environ, {"PATH": f"{tmp}:{os.environ['PATH']}"}),
        ):
            patch.start()
            self.addCleanup(patch.stop)

    def run_cli(self, *argv, stdin=""):
        """Exit code, stdout and stderr of `mirovoy-admin ARGV` with STDIN (not a terminal)."""
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(sys, "stdin", io.StringIO(stdin)), redirect_stdout(out), redirect_stderr(err):
            code = admin.main(list(argv))
        return code, out.getvalue(), err.getvalue()

    def rows(self, sql):
        with self.db.conn.cursor() as cur:
            cur.execute(sql, ())
            return cur.fetchall()


class AddressTest(unittest.TestCase):
    def test_lower_cases_and_splits(self):
        self.assertEqual(admin.parse_address(" Ann.Lee@Example.COM "), ("ann.lee", "example.com"))

    def test_refuses_what_is_no_address(self):
        for text in ("ann", "ann@", "@example.com", "ann@example", "a b@example.com", "ann@-x.com"):
            with self.subTest(text=text), self.assertRaisesRegex(admin.AdminError, "not a valid e-mail address"):
                admin.parse_address(text)

    def test_refuses_what_is_no_domain(self):
        with self.assertRaisesRegex(admin.AdminError, "not a valid domain name"):
            admin.parse_domain("example")


class DomainTest(CliTestCase):
    def test_add_list_remove(self):
        self.assertEqual(self.run_cli("domain", "add", "Example.com")[0], 0)
        self.assertEqual(self.run_cli("domain", "list"), (0, "example.com\n", ""))
        self.assertEqual(self.run_cli("domain", "remove", "example.com")[0], 0)
        self.assertEqual(self.rows("SELECT domain FROM domains"), [])

    def test_refuses_a_second_add(self):
        self.run_cli("domain", "add", "example.com")
        self.assertEqual(self.run_cli("domain", "add", "example.com"), (1, "", "mirovoy-admin: domain example.com already exists\n"))

    def test_keeps_a_domain_with_mailboxes(self):
        self.run_cli("domain", "add", "example.com")
        self.run_cli("user", "add", "ann@example.com", stdin="correct horse battery\n")
        code, _, err = self.run_cli("domain", "remove", "example.com")
        self.assertEqual(code, 1)
        self.assertIn("still has mailboxes or aliases", err)


class UserTest(CliTestCase):
    def test_needs_its_domain_and_names_the_fix(self):
        code, _, err = self.run_cli("user", "add", "ann@example.com", stdin="correct horse battery\n")
        self.assertEqual(code, 1)
        self.assertIn("mirovoy-admin domain add example.com", err)

    def test_stores_the_hash_never_the_password(self):
        self.run_cli("domain", "add", "example.com")
        self.assertEqual(self.run_cli("user", "add", "Ann@example.com", "--name", "Ann", stdin="correct horse battery\n")[0], 0)
        self.assertEqual(
            self.rows("SELECT id, name, uid, gid, home, maildir, clear, crypt FROM users"),
            [("ann@example.com", "Ann", 5000, 5000, "/var/vmail", "example.com/ann/", "", "{ARGON2ID}hash-of-21-chars")],
        )
        self.assertEqual(self.doveadm_log.read_text(), "-O pw -s ARGON2ID\n")  # not in argv

    def test_refuses_a_short_password(self):
        self.run_cli("domain", "add", "example.com")
        self.assertEqual(self.run_cli("user", "add", "ann@example.com", stdin="short\n"), (1, "", "mirovoy-admin: the password must have at least 10 characters\n"))
        self.assertEqual(self.rows("SELECT id FROM users"), [])

    def test_password_change_and_remove(self):
        self.run_cli("domain", "add", "example.com")
        self.run_cli("user", "add", "ann@example.com", stdin="correct horse battery\n")
        self.assertEqual(self.run_cli("user", "password", "ann@example.com", stdin="a much longer passphrase\n")[0], 0)
        self.assertEqual(self.rows("SELECT crypt FROM users"), [("{ARGON2ID}hash-of-24-chars",)])
        code, out, _ = self.run_cli("user", "remove", "ann@example.com")
        self.assertEqual((code, out), (0, "removed ann@example.com; its mail stays in /var/vmail/example.com/ann/ until you delete it\n"))

    def test_a_failing_doveadm_changes_nothing(self):
        self.run_cli("domain", "add", "example.com")
        with mock.patch.dict(os.environ, {"PATH": "/nonexistent"}):
            code, _, err = self.run_cli("user", "add", "ann@example.com", stdin="correct horse battery\n")
        self.assertEqual(code, 3)
        self.assertIn("doveadm", err)
        self.assertEqual(self.rows("SELECT id FROM users"), [])


class AliasTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.run_cli("domain", "add", "example.com")
        self.run_cli("user", "add", "ann@example.com", stdin="correct horse battery\n")

    def test_alias_and_catch_all(self):
        self.assertEqual(self.run_cli("alias", "add", "info@example.com", "ann@example.com", "bob@example.net")[0], 0)
        self.assertEqual(self.run_cli("alias", "add", "@example.com", "ann@example.com")[0], 0)
        self.assertEqual(
            self.run_cli("alias", "list")[1],
            "@example.com\tann@example.com\ninfo@example.com\tann@example.com,bob@example.net\n",
        )

    def test_refuses_a_loop(self):
        code, _, err = self.run_cli("alias", "add", "a@example.com", "ann@example.com", "A@example.com")
        self.assertEqual(code, 1)
        self.assertIn("alias a@example.com would loop", err)
        self.assertEqual(self.rows("SELECT mail FROM aliases"), [])

    def test_refuses_a_target_of_ours_that_leads_nowhere(self):
        code, _, err = self.run_cli("alias", "add", "info@example.com", "nobody@example.com")
        self.assertEqual(code, 1)
        self.assertIn("neither a mailbox nor an alias", err)

    def test_refuses_an_alias_over_a_mailbox(self):
        code, _, err = self.run_cli("alias", "add", "ann@example.com", "bob@example.net")
        self.assertEqual(code, 1)
        self.assertIn("is a mailbox", err)

    def test_remove_of_a_missing_alias_fails(self):
        self.assertEqual(self.run_cli("alias", "remove", "info@example.com"), (1, "", "mirovoy-admin: alias info@example.com does not exist\n"))


class SeamTest(unittest.TestCase):
    def test_an_unreadable_option_file_is_an_admin_error_naming_it(self):
        with self.assertRaisesRegex(admin.AdminError, "cannot read the database host and admin password from /nonexistent/admin.cnf"):
            admin.MailDb({"option_file": "/nonexistent/admin.cnf"})


if __name__ == "__main__":
    unittest.main()
