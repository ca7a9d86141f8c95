"""The Whoosh internals the backend relies on (catalog/search/whoosh_backend/internals.py), checked against a
real index, and the PostgreSQL backend's independence from Whoosh. A failure here after upgrading Whoosh names
the internal that moved: fix internals.py before anything else."""
from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
import whoosh
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.index import LockError

from catalog.search.whoosh_backend import internals
from catalog.search.whoosh_backend.generations import Generations
from tests.factories import make_doc

BLOCK = 128  # postings per block in Whoosh's default codec


@pytest.fixture
def generations(tmp_path) -> Generations:
    generations = Generations(tmp_path / "index")
    generations.write("index", [make_doc(pid, names={"fr": f"Miel {pid}"}) for pid in range(1, 3 * BLOCK + 11)])
    generations.write("index", [make_doc(pid, names={"fr": f"Amlou {pid}"}) for pid in range(1000, 1005)])
    return generations


def latest(generations: Generations, previous=None):
    searcher, _ = internals.open_searcher(generations.index(generations.current()), previous)
    return searcher


def test_whoosh_is_the_version_the_internals_were_read_at():
    assert whoosh.__version__ == internals.WHOOSH_VERSION, (
        f"Whoosh {whoosh.versionstring()} is installed; internals.py was written against "
        f"{'.'.join(map(str, internals.WHOOSH_VERSION))}: re-check every function there, then update WHOOSH_VERSION")


def test_posting_ids_reads_whole_blocks_of_the_default_codec_and_agrees_with_the_public_walk(generations):
    searcher = latest(generations)
    leaf, _ = searcher.reader().leaf_readers()[0]
    matcher = leaf.postings("name", "miel")
    assert isinstance(matcher, W3LeafMatcher), f"the block fast path is never taken: got {type(matcher)}"
    for attribute in ("_ids", "_i", "_read_ids", "_next_block"):
        assert hasattr(matcher, attribute), f"W3LeafMatcher.{attribute} is gone"

    fast = internals.posting_ids(leaf.postings("name", "miel"))
    public = list(leaf.postings("name", "miel").all_ids())

    assert fast == public and len(fast) == 3 * BLOCK + 10


def test_deletions_are_seen_by_deleted_docs_and_open_searcher_reuses_only_unchanged_segments(generations):
    before = latest(generations)
    leaves_before = {internals.segment_key(leaf): leaf for leaf, _ in before.reader().leaf_readers()}
    assert len(leaves_before) == 2 and None not in leaves_before

    generations.write("remove", [1, 2, 3])
    after = latest(generations, before)

    leaves_after = {internals.segment_key(leaf): leaf for leaf, _ in after.reader().leaf_readers()}
    assert leaves_after.keys() == leaves_before.keys()
    changed = [key for key in leaves_after if leaves_after[key] is not leaves_before[key]]
    assert len(changed) == 1, "a segment reader was reused although its deletions changed (or a clean one reopened)"
    leaf = leaves_after[changed[0]]
    deleted = internals.deleted_docs(leaf)
    assert deleted == {d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)} and len(deleted) == 3
    # posting_ids may include deleted documents (the snapshot masks them); masked, it agrees with the public walk.
    public = list(leaf.postings("name", "miel").all_ids())
    assert len(public) == 3 * BLOCK + 7
    assert sorted(set(internals.posting_ids(leaf.postings("name", "miel"))) - deleted) == public
    assert after.doc_count() == 3 * BLOCK + 12


def test_a_held_lock_keeps_a_second_holder_out_until_released(tmp_path):
    path = str(tmp_path / "writer.lock")
    with internals.HeldLock(path, 1.0):
        with pytest.raises(LockError):
            with internals.HeldLock(path, 0.1):
                pass
    with internals.HeldLock(path, 0.1):
        pass


def test_the_postgresql_backend_never_imports_whoosh():
    code = ("import sys\n"
            "import sqlalchemy\n"
            "from catalog.search.backend import make_backend\n"
            "make_backend('postgres', engine=sqlalchemy.create_engine('postgresql+psycopg://nobody@127.0.0.1/none'))\n"
            "print(sorted(m for m in sys.modules if m == 'whoosh' or m.startswith('whoosh.')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_rebuild_skips_the_field_length_statistics_and_its_index_answers_like_any_other(tmp_path):
    from whoosh.codec import default_codec
    from whoosh.writing import SegmentWriter

    assert default_codec().length_stats and not internals.bulk_codec().length_stats
    # The attribute Whoosh's segment flush reads to decide whether to look up each posting's field length.
    assert "self.codec.length_stats" in inspect.getsource(SegmentWriter._flush_segment)
    rebuilt = Generations(tmp_path / "rebuilt")
    rebuilt.rebuild([make_doc(pid, names={"fr": f"Miel {pid}"}) for pid in range(1, 3 * BLOCK + 11)])
    searcher = latest(rebuilt)
    leaf = searcher.reader()
    assert sorted(internals.posting_ids(leaf.postings("name", "miel"))) == list(range(3 * BLOCK + 10))
