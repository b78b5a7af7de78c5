"""A person is their verified email (core/identity.py): the accounts the fault audit borrowed others' plans with
are refused."""

import pytest

from core import identity


def test_a_verified_email_is_the_person_lower_case():
    assert identity.person({"email": " Ana@Example.com ", "email_verified": True, "sub": "123"}) == "ana@example.com"


def test_a_provider_that_does_not_say_whether_it_verified_is_trusted_for_the_emails_it_issues():
    assert identity.person({"email": "ana@example.com", "sub": "x"}) == "ana@example.com"


@pytest.mark.parametrize("claims, why", [
    ({"email": "Ana@Example.com", "email_verified": False}, "not verified"),
    ({"email": "Ana@Example.com", "email_verified": "false"}, "not verified"),
    ({"sub": "bo@example.com"}, "gave no email"),  # never a fallback from email to the subject
    ({"email": "", "sub": "bo@example.com"}, "gave no email"),
    ({"email": "not-an-address", "email_verified": True}, "not an email address"),
])
def test_claims_that_could_borrow_someone_elses_plans_are_refused(claims, why):
    with pytest.raises(identity.IdentityError, match=why):
        identity.person(claims)


def test_an_installation_may_name_another_claim():
    assert identity.person({"oid": "00000000-AAAA", "email_verified": False}, "oid") == "00000000-aaaa"
    with pytest.raises(identity.IdentityError, match="gave no oid"):
        identity.person({"email": "ana@example.com"}, "oid")
