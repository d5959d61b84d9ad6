"""The diff: parse it, rebuild it from the files API, know file kinds, filter, size."""
