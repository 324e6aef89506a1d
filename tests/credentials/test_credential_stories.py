"""A certified trainer's signed credential, from issue to verification, through the standing."""

from __future__ import annotations

import base64
import json
import logging
import stat
from datetime import date, datetime
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs are pinned
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.errors import NotFound
from domain.trainer.state import CredentialStatus
from domain.trainer.steps import Reinstate, RemoveForCause, SubmitTrainingRecord
from domain.values import Actor, Module
from service.app.credentials.documents import Issuer, bit_at
from service.app.credentials.keys import IssuerKeys
from service.app.credentials.service import Credentials, HolderNotListed
from service.app.credentials.verify import StatusUnavailable, Verifier
from tests.credentials.conftest import BASE_URL
from tests.stories import Story, new_id

# The 1EdTech JSON schema of OB 3.0's AchievementCredential (VC 2.0, validFrom), as published by
# 1EdTech/openbadges-specification; no Python package ships it.
SCHEMA_FILE = Path(__file__).parent / "ob_v3p0_achievementcredential_schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())


def certified(story: Story, module: Module = Module.WC) -> Actor:
    candidate = story.register_candidate("Asha Rao")
    story.certified_in(module, candidate, story.register_expert())
    return candidate


def tampered(token: str) -> str:
    """The same JWT with one byte of its content changed."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = "Asha Raa"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{changed}.{signature}"


def test_a_certified_trainer_holds_a_signed_credential_that_verifies(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)

    issued = credentials.current(trainer.user_id)
    answer = credentials.verify(issued.jwt)

    assert answer.verified and answer.signature_valid and answer.issuer_known
    assert answer.status == "valid" and answer.within_validity_period
    assert jwt.get_unverified_header(issued.jwt)["typ"] == "vc+jwt"
    assert credentials.verify(issued.enveloped).verified, "the JSON envelope verifies too"
    assert credentials.verify({"credential": issued.jwt}).verified


def test_the_credential_is_an_open_badge_by_the_specifications_schema(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    email = story.app.trainer(trainer.user_id).email

    document = credentials.current(trainer.user_id).document

    jsonschema.Draft201909Validator(SCHEMA).validate(document)
    subject = document["credentialSubject"]
    assert subject["achievement"]["name"] == "SCORE certified trainer"
    assert subject["achievement"]["tag"] == ["WC"]
    (identity,) = subject["identifier"]
    assert identity["hashed"] and identity["identityHash"].startswith("sha256$")
    assert email not in json.dumps(document), "the e-mail address appears only hashed"


def test_a_credential_with_one_changed_byte_fails(story: Story, credentials: Credentials) -> None:
    issued = credentials.current(certified(story).user_id)

    answer = credentials.verify(tampered(issued.jwt))

    assert not answer.signature_valid and not answer.verified
    assert answer.status == "unknown"
    assert "signature" in answer.reasons[0]


def test_an_unsigned_credential_cannot_be_verified(story: Story, credentials: Credentials) -> None:
    issued = credentials.current(certified(story).user_id)

    answer = credentials.verify(issued.document)

    assert not answer.verified and "no proof" in answer.reasons[0]


def test_a_new_module_reissues_the_credential_under_the_same_status_entry(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    first = credentials.current(trainer.user_id)
    story.certified_in(Module.QUALITY, trainer, story.register_expert())

    second = credentials.current(trainer.user_id)

    assert second.credential.modules == (Module.WC, Module.QUALITY)
    assert second.credential.credential_id != first.credential.credential_id
    assert second.credential.status_index == first.credential.status_index
    assert credentials.verify(first.jwt).status == "valid", "the first stays true"


def test_inactivity_suspends_and_the_next_training_record_lifts_it(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    issued = credentials.current(trainer.user_id)
    a_year_on = story.later(370)
    story.app.delist_inactive_trainer(trainer.user_id, new_id(), a_year_on)

    assert credentials.verify(issued.jwt).status == "suspended"

    back_on = story.later(5)
    record = SubmitTrainingRecord(back_on.date(), "WC", enterprises=1, participants=12)
    state = story.app.take_standing_step(trainer.user_id, record, trainer, new_id(), back_on).state

    assert state.credential is not None and state.credential.status is CredentialStatus.ACTIVE
    assert credentials.verify(issued.jwt).status == "valid"


def test_removal_revokes_for_good_and_reinstatement_issues_a_new_credential(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    old = credentials.current(trainer.user_id)
    removal = RemoveForCause("copyright", "sold copies of the manual")
    story.app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())

    assert credentials.verify(old.jwt).status == "revoked"
    with pytest.raises(NotFound):
        credentials.current(new_id())

    back = Reinstate("settled with the ILO")
    story.app.take_standing_step(trainer.user_id, back, story.hq, new_id(), story.later())
    new = credentials.current(trainer.user_id)

    assert credentials.verify(old.jwt).status == "revoked", "revocation is final"
    assert credentials.verify(new.jwt).status == "valid"
    assert new.credential.status_index != old.credential.status_index


def test_a_credential_signed_with_a_rotated_out_key_still_verifies(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    trainer = certified(story)
    before = credentials.current(trainer.user_id)

    new_key = keys.rotate()
    after = credentials.current(trainer.user_id)

    assert jwt.get_unverified_header(after.jwt)["kid"].endswith(f"#{new_key.kid}")
    assert not jwt.get_unverified_header(before.jwt)["kid"].endswith(f"#{new_key.kid}")
    assert credentials.verify(before.jwt).verified and credentials.verify(after.jwt).verified
    assert {k["kid"] for k in keys.jwks()["keys"]} == {k.kid for k in keys.all()}
    assert len(keys.all()) == 2


def test_keys_are_kept_owner_only(keys: IssuerKeys) -> None:
    (key_file,) = keys.folder.glob("*.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.folder.stat().st_mode) == 0o700


class Unreachable:
    def is_set(self, list_url: str, index: int) -> bool:
        raise StatusUnavailable("connection refused")


def test_a_status_list_that_cannot_be_read_says_unknown_never_valid(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    issued = credentials.current(certified(story).user_id)
    verifier = Verifier(keys, Issuer(BASE_URL), Unreachable(), lambda: story.now)

    answer = verifier.verify(issued.jwt)

    assert answer.signature_valid and answer.status == "unknown" and not answer.verified


def test_the_status_lists_are_signed_bitstrings_kept_from_the_events(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    removed, inactive = certified(story), certified(story)
    story.app.take_standing_step(
        removed.user_id, RemoveForCause("conduct", "abuse"), story.hq, new_id(), story.later()
    )
    story.app.delist_inactive_trainer(inactive.user_id, new_id(), story.later(400))
    index = {
        who: credentials.current(who.user_id).credential.status_index for who in (removed, inactive)
    }

    story_time = {"verify_nbf": False}  # signed at the story's time, ahead of the wall clock
    lists = {
        purpose: jwt.decode(
            credentials.status_list(purpose),
            keys.current.public,
            algorithms=["EdDSA"],
            options=story_time,  # type: ignore[arg-type]
        )["credentialSubject"]
        for purpose in ("suspension", "revocation")
    }

    assert lists["revocation"]["statusPurpose"] == "revocation"
    assert bit_at(lists["revocation"]["encodedList"], index[removed])
    assert not bit_at(lists["revocation"]["encodedList"], index[inactive])
    assert bit_at(lists["suspension"]["encodedList"], index[inactive])
    assert bit_at(lists["suspension"]["encodedList"], index[removed]), "revoked reads suspended"


def test_a_trainer_certified_before_credentials_existed_gets_one_once(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    assert credentials.current(trainer.user_id)  # issued at certification, so already in line
    before = story.app.recorder.max_notification_id()

    credentials.issue_missing(trainer.user_id, "backfill-1")

    assert story.app.recorder.max_notification_id() == before, "nothing to issue: nothing written"


def test_a_training_record_for_a_delivered_day_is_judged_as_before(story: Story) -> None:
    """The credential events ride along: the standing's own rules are unchanged."""
    trainer = certified(story)
    record = SubmitTrainingRecord(date(2020, 1, 1), "WC", enterprises=1, participants=3)
    with pytest.raises(Exception, match="more than 12"):
        story.app.take_standing_step(trainer.user_id, record, trainer, new_id(), story.later())


def test_a_token_that_names_another_algorithm_is_refused(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    """No 'alg: none', no HMAC keyed with the public key: EdDSA with the issuer's key only."""
    document = credentials.current(certified(story).user_id).document
    kid = {"kid": keys.current.kid}
    unsigned = jwt.encode(document, None, algorithm="none", headers=kid)  # type: ignore[arg-type]

    answer = credentials.verify(unsigned)

    assert not answer.signature_valid and answer.status == "unknown"


def test_a_signed_status_list_is_not_a_credential(story: Story, credentials: Credentials) -> None:
    certified(story)

    answer = credentials.verify(credentials.status_list("suspension"))

    assert not answer.verified and answer.status == "unknown"
    assert "not a credential" in answer.reasons[0] and "BitstringStatusListCredential" in str(
        answer.reasons
    )


def test_a_token_of_another_type_signed_with_the_issuers_key_is_not_a_credential(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    document = credentials.current(certified(story).user_id).document
    headers = {"kid": keys.current.kid, "typ": "JWT"}
    access_token = jwt.encode(document, keys.current.private, algorithm="EdDSA", headers=headers)

    answer = credentials.verify(access_token)

    assert not answer.verified and not answer.signature_valid
    assert "not a credential" in answer.reasons[0] and "'JWT'" in answer.reasons[0]


def test_the_jwt_names_issuer_id_and_start_as_its_registered_claims(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    issued = credentials.current(certified(story).user_id)

    claims = jwt.decode(issued.jwt, options={"verify_signature": False})
    answer = credentials.verify(issued.jwt)

    assert claims["iss"] == issued.document["issuer"]["id"] == f"{BASE_URL}/credentials/issuer"
    assert claims["jti"] == issued.document["id"] and claims["jti"].startswith("urn:uuid:")
    valid_from = datetime.fromisoformat(issued.document["validFrom"])
    assert claims["nbf"] == int(valid_from.timestamp())
    assert "sub" not in claims, "the subject has no id of its own to name"
    assert answer.verified and answer.credential == issued.document, "claims are not content"


def test_the_key_id_is_a_uri_into_the_jwks_and_the_jwks_lists_both_forms(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    issued = credentials.current(certified(story).user_id)

    kid = jwt.get_unverified_header(issued.jwt)["kid"]
    published = {jwk["kid"] for jwk in credentials.jwks()["keys"]}

    assert kid == f"{BASE_URL}/.well-known/jwks.json#{keys.current.kid}"
    assert published == {kid, keys.current.kid}


def test_a_credential_signed_with_the_bare_key_id_as_before_still_verifies(
    story: Story, credentials: Credentials, keys: IssuerKeys
) -> None:
    document = credentials.current(certified(story).user_id).document
    headers = {"kid": keys.current.kid, "typ": "vc+jwt", "cty": "vc"}
    as_before = jwt.encode(document, keys.current.private, algorithm="EdDSA", headers=headers)

    answer = credentials.verify(as_before)

    assert answer.verified and answer.status == "valid", answer.reasons


def test_a_listed_holder_gets_a_printable_certificate_with_their_modules(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)

    facts = credentials.certificate_facts(story.app.trainer(trainer.user_id))

    assert facts.name == "Asha Rao" and facts.modules == (Module.WC,)
    number = story.app.trainer(trainer.user_id).certificate_number
    assert facts.verification_url == f"{BASE_URL}/verify?number={number}"


def test_a_holder_delisted_for_inactivity_cannot_print_a_certificate_and_is_told_why(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    story.app.delist_inactive_trainer(trainer.user_id, new_id(), story.later(400))

    with pytest.raises(HolderNotListed, match="inactivity") as refused:
        credentials.certificate_facts(story.app.trainer(trainer.user_id))

    assert refused.value.kind == "conflict" and refused.value.params == {"listing": "inactive"}


def test_a_holder_removed_for_cause_cannot_print_a_certificate(
    story: Story, credentials: Credentials
) -> None:
    trainer = certified(story)
    removal = RemoveForCause("conduct", "abuse")
    story.app.take_standing_step(trainer.user_id, removal, story.hq, new_id(), story.later())

    with pytest.raises(HolderNotListed, match="removed from the list"):
        credentials.certificate_facts(story.app.trainer(trainer.user_id))


def test_only_files_named_as_keys_are_loaded_so_a_stray_copy_cannot_sign(
    keys: IssuerKeys,
) -> None:
    (key_file,) = keys.folder.glob("*.pem")
    stray = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (keys.folder / "zz-backup.pem").write_bytes(stray)  # sorts after, as the newest would
    (keys.folder / f"{key_file.stem}.pem.bak").write_bytes(key_file.read_bytes())

    assert [key.kid for key in keys.all()] == [key_file.stem]
    assert keys.current.kid == key_file.stem and keys.find("zz-backup") is None


def test_a_key_file_others_may_read_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = IssuerKeys.at(tmp_path / "mounted-keys")
    (key_file,) = keys.folder.glob("*.pem")
    key_file.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="service.app.credentials.keys")

    fresh = IssuerKeys(keys.folder)  # a process starting on the mounted folder

    assert fresh.current.kid == key_file.stem
    assert "readable by others" in caplog.text and key_file.name in caplog.text
