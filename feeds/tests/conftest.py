"""Fixtures of the feed's tests."""

import pytest

from feeds import importer


@pytest.fixture
def on_each_batch(monkeypatch):
    """Call `hook(n)` before the n-th batch of contracts is written (n from 1)."""

    def arm(hook):
        make_writer = importer.make_writer
        calls = {"n": 0}

        def writer_with_hook(spec, method="auto"):
            writer = make_writer(spec, method)
            if spec.name == "contracts.csv":
                write = writer.write

                def write_after_hook(rows, created=0):
                    calls["n"] += 1
                    hook(calls["n"])
                    write(rows, created=created)

                writer.write = write_after_hook
            return writer

        monkeypatch.setattr(importer, "make_writer", writer_with_hook)

    return arm
