"""Credential formats that detect-secrets 1.5 misses, each found by a literal it must contain.

Most patterns are ported from the gitleaks rule set (MIT, https://github.com/gitleaks/gitleaks,
``config/gitleaks.toml``), the rules Betterleaks also ships; the corpus under
``tests/data/secrets_corpus`` has at least one member of each family. Every pattern starts
at, or is anchored on, its ``needle``: a line without the needle never runs the pattern, and
no pattern has nested or unbounded overlapping repetition, so each runs in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Token characters on both sides of a token: a match must not be part of a longer word.
_B = r"(?<![A-Za-z0-9_])"
_E = r"(?![A-Za-z0-9_])"


@dataclass(frozen=True, slots=True)
class Format:
    """One credential format: what it is, the literal it needs, and its pattern.

    ``group`` is the pattern group that holds the secret (0: the whole match).
    """

    kind: str
    needle: str
    pattern: re.Pattern[str]
    group: int = 0


def _f(kind: str, needle: str, pattern: str, group: int = 0) -> Format:
    return Format(kind, needle, re.compile(pattern), group)


FORMATS: tuple[Format, ...] = (
    # --- detect-secrets formats, rewritten so that they cannot backtrack on hostile lines
    _f(
        "JSON Web Token",
        "eyJ",
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}=*\.[A-Za-z0-9_-]{10,}=*(?:\.[A-Za-z0-9_-]*=*)?",
    ),
    _f("npm access token", "_authToken", r"_authToken[ \t]*=[ \t]*([A-Za-z0-9_-]{36,})", 1),
    _f("Artifactory Credentials", "AKC", _B + r"AKC[A-Za-z0-9]{10,}+(?=[\s\"]|$)"),
    _f("Artifactory Credentials", "AP", _B + r"AP[0-9A-F][A-Za-z0-9]{8,}+(?=[\s\"]|$)"),
    _f("OpenAI API key", "T3BlbkFJ", _B + r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    # --- source hosts, registries, CI
    _f("GitHub token", "github_pat_", r"github_pat_[A-Za-z0-9_]{22,}"),
    _f("npm access token", "npm_", _B + r"npm_[A-Za-z0-9]{36,}" + _E),
    _f("Hugging Face token", "hf_", _B + r"hf_[A-Za-z]{34,}" + _E),
    _f("Hugging Face token", "api_org_", _B + r"api_org_[A-Za-z]{34,}" + _E),
    _f("Docker Hub access token", "dckr_pat_", r"dckr_pat_[A-Za-z0-9_-]{27,}"),
    _f("Terraform Cloud token", ".atlasv1.", r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}"),
    _f("Pulumi access token", "pul-", _B + r"pul-[a-f0-9]{40}" + _E),
    _f("RubyGems API key", "rubygems_", r"rubygems_[a-f0-9]{48}"),
    _f("Clojars token", "CLOJARS_", r"CLOJARS_[A-Za-z0-9]{60}"),
    _f("Octopus Deploy API key", "API-", _B + r"API-[A-Z0-9]{26}" + _E),
    _f("Prefect API key", "pnu_", _B + r"pnu_[A-Za-z0-9]{36}" + _E),
    _f("ReadMe API key", "rdme_", _B + r"rdme_[a-z0-9]{70}" + _E),
    _f("Infracost API key", "ico-", _B + r"ico-[A-Za-z0-9]{32}" + _E),
    _f(
        "Harness API key",
        "at.",
        _B + r"[ps]at\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}",
    ),
    # --- clouds
    _f("AWS session token", "IQoJb3JpZ2luX2Vj", r"IQoJb3JpZ2luX2Vj[A-Za-z0-9/+=]{100,}"),
    _f("AWS session token", "FwoGZXIvYXdzE", r"FwoGZXIvYXdzE[A-Za-z0-9/+=]{100,}"),
    _f("AWS Bedrock API key", "ABSK", _B + r"ABSK[A-Za-z0-9+/]{109,}={0,2}"),
    _f("Google API key", "AIza", r"AIza[0-9A-Za-z_-]{35}"),
    _f("Google OAuth client secret", "GOCSPX-", r"GOCSPX-[A-Za-z0-9_-]{28,}"),
    _f("Google OAuth access token", "ya29.", _B + r"ya29\.[A-Za-z0-9_-]{50,}"),
    _f(
        "Azure AD client secret",
        "Q~",
        r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
    ),
    _f(
        "Azure SAS token", "sig=", r"(?<![A-Za-z0-9_])sig=([A-Za-z0-9%+/]{30,}(?:=|%3[Dd]){0,2})", 1
    ),
    _f("Alibaba Cloud AccessKey ID", "LTAI", _B + r"LTAI[A-Za-z0-9]{20}" + _E),
    _f("DigitalOcean token", "_v1_", _B + r"do[opr]_v1_[a-f0-9]{64}" + _E),
    _f("Databricks token", "dapi", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E),
    _f("Cloudflare origin CA key", "v1.0-", _B + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"),
    _f("Fly.io token", "fo1_", _B + r"fo1_[A-Za-z0-9_-]{43}"),
    _f("Heroku API key", "HRKU-AA", r"HRKU-AA[A-Za-z0-9_-]{58}"),
    _f("HashiCorp Vault token", "hvs.", _B + r"hv[sb]\.[A-Za-z0-9_-]{90,}"),
    _f("HashiCorp Vault token", "hvb.", _B + r"hv[sb]\.[A-Za-z0-9_-]{90,}"),
    _f("Doppler token", "dp.", _B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}" + _E),
    _f("PlanetScale token", "pscale_", _B + r"pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{32,64}"),
    _f("Supabase access token", "sbp_", _B + r"sbp_[a-f0-9]{40}" + _E),
    _f("1Password service account token", "ops_eyJ", r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}"),
    # --- AI vendors
    _f("OpenAI API key", "sk-", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}"),
    _f("Anthropic API key", "sk-ant-", r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,}"),
    _f("xAI API key", "xai-", _B + r"xai-[A-Za-z0-9]{80}" + _E),
    _f("Groq API key", "gsk_", _B + r"gsk_[A-Za-z0-9]{52}" + _E),
    _f("Perplexity API key", "pplx-", _B + r"pplx-[A-Za-z0-9]{48}" + _E),
    _f("Replicate API token", "r8_", _B + r"r8_[A-Za-z0-9]{37}" + _E),
    # --- SaaS
    _f("Stripe webhook signing secret", "whsec_", r"whsec_[A-Za-z0-9+/=]{32,}"),
    _f("Slack app token", "xapp-", r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+"),
    _f("Slack token", "xoxe", r"xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{140,}"),
    _f(
        "Discord webhook URL",
        "/api/webhooks/",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{60,}",
    ),
    _f(
        "Microsoft Teams webhook URL",
        "webhook.office.com",
        r"https://[a-z0-9-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/-]{60,}",
    ),
    _f("Telegram bot token", ":AA", r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])"),
    _f("Square access token", "sq0atp-", _B + r"sq0atp-[A-Za-z0-9_-]{22,}"),
    _f("Square access token", "EAAA", _B + r"EAAA[A-Za-z0-9_-]{60}" + _E),
    _f("Shopify access token", "shp", _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _E),
    _f("Mailgun API key", "key-", _B + r"key-[a-f0-9]{32}" + _E),
    _f("Atlassian API token", "ATATT3", _B + r"ATATT3[A-Za-z0-9_=-]{150,}"),
    _f("Linear API key", "lin_api_", r"lin_api_[A-Za-z0-9]{40}"),
    _f("Postman API key", "PMAK-", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    _f("Grafana token", "glsa_", _B + r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}" + _E),
    _f("Grafana token", "glc_", _B + r"glc_[A-Za-z0-9+/]{32,}={0,3}"),
    _f("Grafana token", "eyJrIjoi", _B + r"eyJrIjoi[A-Za-z0-9]{70,}={0,3}"),
    _f("New Relic key", "NR", _B + r"NR(?:AK|II|JS)-[A-Za-z0-9-]{19,32}" + _E),
    _f(
        "age secret key",
        "AGE-SECRET-KEY-1",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
    ),
    _f("Dropbox access token", "sl.", _B + r"sl\.[A-Za-z0-9_=-]{130,}"),
    _f("Notion integration token", "ntn_", _B + r"ntn_\d{11}[A-Za-z0-9]{35}" + _E),
    _f("Notion integration token", "secret_", _B + r"secret_[A-Za-z0-9]{43}" + _E),
    _f(
        "Firebase Cloud Messaging server key",
        ":APA91b",
        _B + r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{130,}",
    ),
    _f("Sentry token", "sntry", _B + r"sntry[su]_[A-Za-z0-9+/=_]{64,}"),
    _f("Dynatrace API token", "dt0c01.", r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}"),
    _f("EasyPost API key", "EZ", _B + r"EZ[AT]K[A-Za-z0-9]{54}" + _E),
    _f("Shippo API token", "shippo_", r"shippo_(?:live|test)_[a-fA-F0-9]{40}"),
    _f("Brevo API key", "xkeysib-", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
    _f("Frame.io token", "fio-u-", r"fio-u-[A-Za-z0-9_=-]{64}"),
    _f("Flutterwave secret key", "FLWSECK", r"FLWSECK(?:_TEST)?-[a-h0-9]{32}-X"),
    _f("Duffel API token", "duffel_", r"duffel_(?:test|live)_[A-Za-z0-9_=-]{43}"),
    _f("Mapbox secret token", "sk.eyJ", _B + r"sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}"),
    _f("Adobe client secret", "p8e-", _B + r"p8e-[A-Za-z0-9]{32}" + _E),
    _f("MaxMind license key", "_mmk", _B + r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk" + _E),
)

NEEDLES: frozenset[str] = frozenset(f.needle for f in FORMATS)
