"""Unit tests of host/from-check/mirovoy-from-check.py, the submission milter's decisions.

The verdict is tested with an owner table in memory; the postmap reading with a fake postmap on
PATH printing what Postfix's postmap prints for a found key, for none, and for a table it cannot
ask. The milter itself (pymilter, Postfix, the database) is rehearsed in
__tests__/e2e/mail-core.e2e.test.ts. Run: python3 -m unittest discover -s __tests__/python
"""
import importlib.util
import os
import stat
import tempfile
import unittest
from pathlib import Path
from unittest import mock

SCRIPT = Path(__file__).resolve().parents[2] / "host" / "from-check" / "mirovoy-from-check.py"
spec = importlib.util.spec_from_file_location("mirovoy_from_check", SCRIPT)
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

# The sender-login table of the rehearsal: mailboxes own themselves, an alias and a catch-all.
TABLE = {
    "alice@example.com": "alice@example.com",
    "bob@example.com": "bob@example.com",
    "postmaster@example.com": "alice@example.com",
    "team@example.com": "bob@example.com, alice@example.com",
    "@example.net": "bob@example.com",
}


def owners(keys):
    for key in keys:
        if key in TABLE:
            return TABLE[key].replace(",", " ").split()
    return []


def down(keys):
    raise check.LookupFailed("database down")


def decide(login, *from_fields, lookup=owners):
    return check.verdict(login, list(from_fields), lookup, "+")


class LookupKeys(unittest.TestCase):
    def test_full_address_then_without_extension_then_domain(self):
        self.assertEqual(check.lookup_keys("alice+lists@example.com", "+"), ["alice+lists@example.com", "alice@example.com", "@example.com"])

    def test_no_extension_without_a_delimiter(self):
        self.assertEqual(check.lookup_keys("alice+lists@example.com", ""), ["alice+lists@example.com", "@example.com"])
        self.assertEqual(check.lookup_keys("alice@example.com", "+"), ["alice@example.com", "@example.com"])


class Verdict(unittest.TestCase):
    def test_passes_the_login_its_alias_a_shared_alias_its_tag_and_a_catch_all_it_owns(self):
        self.assertIsNone(decide("alice@example.com", "Alice <alice@example.com>"))
        self.assertIsNone(decide("alice@example.com", "postmaster@example.com"))
        self.assertIsNone(decide("Alice@Example.com", "Team <TEAM@example.com>"))
        self.assertIsNone(decide("alice@example.com", "alice+lists@example.com"))
        self.assertIsNone(decide("bob@example.com", "anyone@example.net"))

    def test_refuses_an_address_of_another_login_naming_both(self):
        self.assertEqual(decide("alice@example.com", "Bob <bob@example.com>"),
                         ("reject", "550", "5.7.1", "header From <bob@example.com> is not an address of login alice@example.com"))
        self.assertEqual(decide("alice@example.com", "anyone@example.net")[:3], ("reject", "550", "5.7.1"))

    def test_refuses_an_address_nobody_owns(self):
        self.assertEqual(decide("alice@example.com", "alice@elsewhere.test")[3],
                         "header From <alice@elsewhere.test> is not an address of login alice@example.com")

    def test_refuses_no_from_two_from_fields_two_addresses_and_no_address(self):
        self.assertEqual(decide("alice@example.com")[3], "a submitted message needs exactly one From header field, this one has 0")
        self.assertEqual(decide("alice@example.com", "alice@example.com", "bob@example.com")[3],
                         "a submitted message needs exactly one From header field, this one has 2")
        self.assertEqual(decide("alice@example.com", "alice@example.com, bob@example.com")[:3], ("reject", "550", "5.7.1"))
        self.assertEqual(decide("alice@example.com", "undisclosed-senders:;")[:3], ("reject", "550", "5.7.1"))

    def test_refuses_mail_without_a_login(self):
        self.assertEqual(decide(None, "alice@example.com"), ("reject", "550", "5.7.1", "submission requires a login"))

    def test_defers_when_the_table_cannot_be_asked(self):
        self.assertEqual(decide("alice@example.com", "alice@example.com", lookup=down),
                         ("tempfail", "451", "4.3.0", "cannot check header From <alice@example.com> now, try again later"))


class PostmapOwners(unittest.TestCase):
    """postmap_owners against a fake postmap that answers as Postfix's does (postmap.c, -q -)."""

    def fake_postmap(self, body):
        directory = tempfile.mkdtemp()
        path = Path(directory) / "postmap"
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        return mock.patch.dict(os.environ, {"PATH": f"{directory}:{os.environ['PATH']}"})

    def test_reads_the_first_key_found_as_a_list_of_logins(self):
        # Found keys come back as "key<TAB>value", in input order; the extension-less key is the first found.
        with self.fake_postmap('cat > /dev/null\nprintf "alice@example.com\\tbob@example.com, alice@example.com\\n@example.com\\tcarol@example.com\\n"\n'):
            self.assertEqual(check.postmap_owners("mysql:/m.cf", ["alice+x@example.com", "alice@example.com", "@example.com"]),
                             ["bob@example.com", "alice@example.com"])

    def test_nothing_found_is_no_owner(self):
        with self.fake_postmap("cat > /dev/null\nexit 1\n"):
            self.assertEqual(check.postmap_owners("mysql:/m.cf", ["x@example.com"]), [])

    def test_a_table_it_cannot_ask_is_a_lookup_failure_not_no_owner(self):
        fatal = 'cat > /dev/null\necho "postmap: fatal: table mysql:/m.cf: query error: Connection refused" >&2\nexit 1\n'
        with self.fake_postmap(fatal), self.assertRaises(check.LookupFailed):
            check.postmap_owners("mysql:/m.cf", ["x@example.com"])
        with self.fake_postmap("exit 75\n"), self.assertRaises(check.LookupFailed):
            check.postmap_owners("mysql:/m.cf", ["x@example.com"])


if __name__ == "__main__":
    unittest.main()
