"""The vendor registry is the one list of vendors: a new vendor is one module plus one entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reviewbot.app.cli import main
from reviewbot.vendors.openai import OpenAIProvider
from reviewbot.vendors.specs import VENDORS, VendorSpec, key_inputs, key_variables
from tests.fakeserver.replies import SQLI_REPLY
from tests.fakeserver.vendors import VendorFakes

ROOT = Path(__file__).resolve().parents[2]
SQL = str(ROOT / "examples" / "sql_injection.diff")


class AcmeProvider(OpenAIProvider):
    """The worked example's new vendor module: an OpenAI-compatible API with its own key."""

    name = "acme"


ACME = VendorSpec(
    name="acme",
    module=__name__,  # in a real change: reviewbot/providers/acme.py
    provider_class="AcmeProvider",
    key_vars=("ACME_API_KEY",),
    action_input="acme-api-key",
    base_url_var="ACME_BASE_URL",
)


def test_action_yml_declares_one_key_input_per_registered_vendor() -> None:
    inputs = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
    declared = {name for name in inputs if name.endswith("-api-key")}
    assert declared == set(key_inputs())


def test_every_key_variable_is_masked_and_scrubbed_from_the_test_environment() -> None:
    from tests.conftest import _SCRUB

    assert set(key_variables()) <= set(_SCRUB)


def test_a_fourth_vendor_is_one_module_and_one_registry_entry(
    vendor_fakes: VendorFakes,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setitem(VENDORS, "acme", ACME)
    config = tmp_path / "reviewbot.yml"
    config.write_text(
        "steps:\n  security: {models: ['acme:acme-large']}\n"
        "prices: {'acme:acme-large': {input: 1, output: 2}}\n"
    )
    vendor_fakes.reply_json("openai", SQLI_REPLY)
    env = {
        "ACME_API_KEY": "acme-secret-key",
        "ACME_BASE_URL": vendor_fakes.base_url("openai"),
        "NO_PROXY": "127.0.0.1,localhost",
    }

    code = main(["review", "--diff", SQL, "--config", str(config), "--format", "json"], env)

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    security = next(s for s in report["steps"] if s["name"] == "security")
    assert security["status"] == "ok"
    assert security["model"] == "acme:acme-large"
    (request,) = vendor_fakes.requests_for("openai")  # only security has a vendor with a key
    assert request.headers["authorization"] == "Bearer acme-secret-key"
    assert request.json["model"] == "acme-large"
    assert security["cost_usd"] > 0  # priced from the config's table
    assert any(f["category"].startswith("CWE-89") for f in report["findings"])


def test_without_its_key_the_new_vendor_says_which_variable_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(VENDORS, "acme", ACME)
    config = tmp_path / "reviewbot.yml"
    config.write_text("steps:\n  security: {models: ['acme:acme-large']}\n")

    main(["review", "--diff", SQL, "--config", str(config), "--format", "json"], {})

    report = json.loads(capsys.readouterr().out)
    security = next(s for s in report["steps"] if s["name"] == "security")
    assert security["status"] == "skipped"
    assert "ACME_API_KEY" in security["reason"]


def test_an_unregistered_vendor_is_a_config_error_listing_the_registered_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "reviewbot.yml"
    config.write_text("steps:\n  security: {models: ['acme:acme-large']}\n")

    code = main(["review", "--diff", SQL, "--config", str(config)], {})

    assert code == 2
    err = capsys.readouterr().err
    assert "acme" in err
    assert all(name in err for name in VENDORS)
