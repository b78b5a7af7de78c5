"""Who a signed-in person is, from their OpenID Connect claims: a person is their verified email (or one claim an
installation names explicitly), never something a provider lets people set for themselves.

An email the provider marks unverified (``email_verified: false``) is refused: anyone can register
``Ana@Example.com`` with some providers, and plans are shared by email. There is no fallback from email to the
subject (``sub``): a subject is an opaque id in its provider's namespace, and one that happens to look like an
email would be taken for that person's. Providers that never send ``email_verified`` (Microsoft Entra ID, for
one) vouch for the emails they issue; set ``[pilot_roi] identity_claim`` (e.g. ``"preferred_username"`` or
``"oid"``) to use another claim instead, exactly as the provider gives it.
"""

from __future__ import annotations

from collections.abc import Mapping


class IdentityError(ValueError):
    """Claims that do not name a person the app can trust; the message says why, for the sign-in page."""


def person(claims: Mapping[str, object], claim: str = "email") -> str:
    """The person (lower-case, trimmed) the claims name, or IdentityError saying why not."""
    value = str(claims.get(claim) or "").strip().lower()
    if not value:
        raise IdentityError(f"Your sign-in gave no {claim}: ask your administrator to have the identity provider "
                            f"send it (Pilot ROI shares plans by it).")
    if claim == "email":
        verified = claims.get("email_verified")
        if verified is False or str(verified).strip().lower() == "false":
            raise IdentityError("Your sign-in's email is not verified by the identity provider: verify it there, "
                                "then sign in again.")
        if "@" not in value:
            raise IdentityError("Your sign-in's email is not an email address: ask your administrator.")
    return value
