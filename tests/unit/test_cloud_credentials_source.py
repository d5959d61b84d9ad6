"""Finding Google credentials never breaks a run: an unreadable place means "no credentials"."""

from __future__ import annotations

from pathlib import Path

from reviewbot.vendors.clouds import google_credentials_source


def test_a_gcloud_folder_that_cannot_be_looked_into_is_no_credentials(tmp_path: Path) -> None:
    # A path the OS refuses to stat (ENAMETOOLONG here; EACCES in a container whose HOME the
    # user may not enter, which crashed the whole review before): no file, no crash.
    unreadable = str(tmp_path / ("x" * 5000))
    found, _on_google_cloud = google_credentials_source({"CLOUDSDK_CONFIG": unreadable})
    assert found is None


def test_gclouds_user_credentials_are_found(tmp_path: Path) -> None:
    (tmp_path / "application_default_credentials.json").write_text("{}", encoding="utf-8")
    found, metadata = google_credentials_source({"CLOUDSDK_CONFIG": str(tmp_path)})
    assert found == str(tmp_path / "application_default_credentials.json") and not metadata
