"""The 2026-11-24 data migration: phone keys, Unicode e-mail keys, store customers."""

import sqlite3
import unicodedata
import uuid
from pathlib import Path

from clientbook.kit.migrate import upgrade

NFC = unicodedata.normalize("NFC", "zoë@bücher.example")
NFD = unicodedata.normalize("NFD", "zoë@bücher.example")
NOW = "2026-11-23 10:00:00.000000"


def _customer(db: sqlite3.Connection, store: str, **values: object) -> str:
    customer_id = uuid.uuid4().hex
    row = {
        "store_id": store,
        "id": customer_id,
        "email_key": "",
        "labels": "[]",
        "consents": "{}",
        "preferences": "{}",
        "metadata": "{}",
        "status": "active",
        "is_active": 1,
        "sort_name": "",
        "search_text": "",
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
        **values,
    }
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO customers ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608
    return customer_id


def _store(db: sqlite3.Connection, code: str) -> str:
    store_id = uuid.uuid4().hex
    db.execute(
        "INSERT INTO stores (id, code, name, currency, timezone, created_at, updated_at) "
        "VALUES (?, ?, ?, 'EUR', 'UTC', ?, ?)",
        (store_id, code, f"Store {code}", NOW, NOW),
    )
    return store_id


def test_existing_rows_get_their_keys_and_stores_their_customer(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    upgrade(f"sqlite:///{path}", "8a3f6c2d1e90")
    db = sqlite3.connect(path)
    lone, kept = _store(db, "LONE"), _store(db, "KEPT")
    _customer(db, kept, display_name="Store KEPT", linked_store_id=kept)
    first = _customer(db, kept, email=NFC, email_key=NFC.lower(), created_at=NOW)
    later = _customer(
        db, kept, email=NFD, email_key=NFD.lower(), created_at="2026-11-23 11:00:00.000000"
    )
    phone = _customer(db, kept, phone="+48 600 700 800", phone_e164="+48600700800")
    db.execute(
        "INSERT INTO users (id, email, email_key, password_hash, is_active, created_at, "
        "updated_at) VALUES (?, ?, ?, 'x', 1, ?, ?)",
        (uuid.uuid4().hex, "Ana@Bücher.example", "ana@bücher.example", NOW, NOW),
    )
    db.commit()
    db.close()

    upgrade(f"sqlite:///{path}")
    db = sqlite3.connect(path)

    def key(customer_id: str) -> str:
        return str(
            db.execute("SELECT email_key FROM customers WHERE id = ?", (customer_id,)).fetchone()[0]
        )

    # the older of two duplicates gets the new key; the later keeps its own (no collision)
    assert key(first) == "zoë@xn--bcher-kva.example"
    assert key(later) == NFD.lower()
    assert db.execute("SELECT email_key FROM users").fetchone()[0] == "ana@xn--bcher-kva.example"
    assert db.execute("SELECT phone_key FROM customers WHERE id = ?", (phone,)).fetchone() == (
        "+48600700800",
    )
    own = db.execute(
        "SELECT display_name, sort_name, search_text FROM customers WHERE linked_store_id = ?",
        (lone,),
    ).fetchall()
    assert own == [("Store LONE", "store lone", "store lone")]
    assert db.execute(
        "SELECT count(*) FROM customers WHERE linked_store_id = ?", (kept,)
    ).fetchone() == (1,)
    found = db.execute(
        "SELECT count(*) FROM customers_fts WHERE customers_fts MATCH '\"store lone\"'"
    ).fetchone()
    assert found == (1,)
    db.close()


def test_customers_with_several_default_addresses_keep_the_last_changed(tmp_path: Path) -> None:
    """Defaults were one per type; the one-default index is built after each customer
    keeps only its default changed last."""
    path = tmp_path / "defaults.sqlite3"
    upgrade(f"sqlite:///{path}", "c4f8e2b35d21")
    db = sqlite3.connect(path)
    store = _store(db, "ADDR")
    many, one = _customer(db, store), _customer(db, store)

    def address(customer: str, kind: str, default: bool, updated: str) -> str:
        address_id = uuid.uuid4().hex
        db.execute(
            "INSERT INTO customer_addresses (store_id, id, customer_id, type, is_default,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (store, address_id, customer, kind, default, NOW, updated),
        )
        return address_id

    address(many, "billing", True, "2026-11-23 10:00:00.000000")
    last = address(many, "shipping", True, "2026-11-23 12:00:00.000000")
    address(many, "both", True, "2026-11-23 11:00:00.000000")
    address(many, "both", False, "2026-11-23 13:00:00.000000")
    only = address(one, "billing", True, NOW)
    db.commit()
    db.close()
    upgrade(f"sqlite:///{path}", "head")
    db = sqlite3.connect(path)
    defaults = db.execute(
        "SELECT id FROM customer_addresses WHERE is_default ORDER BY id"
    ).fetchall()
    assert sorted(row[0] for row in defaults) == sorted([last, only])
    db.close()
