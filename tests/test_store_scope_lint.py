"""Lint: store-owned data is reached only through a ``StoreScope``.

Two rules, read from the source:

1. ``StoreScope(...)`` is built only in ``clientbook/stores/scope.py`` (by
   ``resolve_store_scope`` for requests and ``member_scope`` for trusted tools).
2. Every function that queries or creates a store-owned model (a model with a
   ``store_id`` column, memberships and invitations aside: they are what a scope is made
   from, and an invitee answers an invitation before it has any scope) takes a
   ``StoreScope`` parameter, itself or through the function it is nested in, or is
   given to ``ScopedQuery(...)`` (inline or by name), whose statement checks the
   caller's scope itself.

"Queries" means: ``select``/``update``/``delete``/``insert`` over the model or its columns,
``session.get``/``get_one``/``merge`` of it, ``.select_from``/``.join``/``.outerjoin`` of it,
or calling the model's constructor.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import clientbook
from clientbook.models import Base, Invitation, Membership

SRC = Path(clientbook.__file__).parent
SCOPE_MODULE = SRC / "stores" / "scope.py"
# A customer-facing request works in a store named by its path (``PublicStore``) or as a
# signed-in customer (``CustomerScope``); both are made only in this module.
CUSTOMER_SCOPE_MODULE = SRC / "customer_accounts" / "scope.py"
SCOPE_TYPES = {"StoreScope": SCOPE_MODULE, "PublicStore": CUSTOMER_SCOPE_MODULE}
SCOPE_TYPES["CustomerScope"] = CUSTOMER_SCOPE_MODULE
EXEMPT_DIRS = (SRC / "models", SRC / "migrations")

STATEMENTS = {"select", "update", "delete", "insert"}
FIRST_ARG_METHODS = {"get", "get_one", "merge", "select_from", "join", "outerjoin"}


def store_owned_models() -> frozenset[str]:
    names = set()
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if cls in (Membership, Invitation):
            continue
        if "store_id" in mapper.local_table.columns:
            names.add(cls.__name__)
    return frozenset(names)


STORE_OWNED = store_owned_models()


def test_the_store_owned_models_are_found() -> None:
    assert {"Customer", "CustomerAddress", "CustomerEvent", "IdempotencyRecord"} <= STORE_OWNED
    assert "Membership" not in STORE_OWNED
    assert "Invitation" not in STORE_OWNED
    assert "User" not in STORE_OWNED


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_store_scope(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id in SCOPE_TYPES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in SCOPE_TYPES:
            return True
        if isinstance(node, ast.Constant) and node.value in SCOPE_TYPES:
            return True
    return False


def _takes_scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return any(_is_store_scope(arg.annotation) for arg in every)


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.models: dict[str, str] = {}  # local name → store-owned model
        self.model_modules: set[str] = set()  # local names bound to clientbook.models
        self.stack: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.in_scoped_query = 0  # inside the arguments of ScopedQuery(...)
        self.scoped_extensions: set[str] = set()  # functions given to ScopedQuery by name
        self.queries: list[Violation] = []  # every query found, scoped or not
        self.violations: list[Violation] = []

    # imports

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.module.startswith("clientbook.models"):
            for alias in node.names:
                if alias.name in STORE_OWNED:
                    self.models[alias.asname or alias.name] = alias.name
        elif node.module == "clientbook":
            for alias in node.names:
                if alias.name == "models":
                    self.model_modules.add(alias.asname or alias.name)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("clientbook.models") and alias.asname:
                self.model_modules.add(alias.asname)

    # functions

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    # calls

    def _model_in(self, node: ast.expr) -> str | None:
        """The store-owned model an expression names (``Customer``, ``Customer.id``, ...)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in self.models:
                return self.models[sub.id]
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in self.model_modules
                and sub.attr in STORE_OWNED
            ):
                return sub.attr
        return None

    def _query_model(self, call: ast.Call) -> str | None:
        name = _callee(call)
        if name in STATEMENTS:
            for arg in call.args:
                if model := self._model_in(arg):
                    return model
        if name in FIRST_ARG_METHODS and isinstance(call.func, ast.Attribute) and call.args:
            first = call.args[0]
            if isinstance(first, ast.Name | ast.Attribute) and (model := self._model_in(first)):
                return model
        if isinstance(call.func, ast.Name) and call.func.id in self.models:
            return self.models[call.func.id]
        if (
            isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in self.model_modules
            and call.func.attr in STORE_OWNED
        ):
            return call.func.attr
        return None

    def visit_Call(self, node: ast.Call) -> None:
        made = _callee(node)
        if (
            made in SCOPE_TYPES
            and isinstance(node.func, ast.Name | ast.Attribute)
            and self.path != str(SCOPE_TYPES[made].relative_to(SRC))
        ):
            home = SCOPE_TYPES[made].relative_to(SRC)
            self.violations.append(
                Violation(self.path, node.lineno, f"builds a {made} outside {home}")
            )
        if _callee(node) == "replace" and node.args and _mentions_scope(node.args[0]):
            self.violations.append(
                Violation(self.path, node.lineno, "copies a StoreScope with replace()")
            )
        model = self._query_model(node)
        if model is not None:
            where = self.stack[-1].name if self.stack else "<module>"
            found = Violation(self.path, node.lineno, f"{where}() queries {model}")
            self.queries.append(found)
            extends_scope = any(f.name in self.scoped_extensions for f in self.stack)
            if not (self.in_scoped_query or extends_scope or any(map(_takes_scope, self.stack))):
                self.violations.append(
                    Violation(
                        self.path,
                        node.lineno,
                        f"{where}() queries {model} without taking a StoreScope",
                    )
                )
        scoped = _callee(node) == "ScopedQuery"
        self.in_scoped_query += scoped
        self.generic_visit(node)
        self.in_scoped_query -= scoped


def _mentions_scope(node: ast.expr) -> bool:
    return any(isinstance(n, ast.Name) and "scope" in n.id.lower() for n in ast.walk(node))


def check_source(source: str, path: str) -> _Checker:
    checker = _Checker(path)
    tree = ast.parse(source, filename=path)
    checker.scoped_extensions = {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _callee(node) == "ScopedQuery"
        for arg in node.args
        if isinstance(arg, ast.Name)
    }
    checker.visit(tree)
    return checker


def _modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if not any(path.is_relative_to(exempt) for exempt in EXEMPT_DIRS)
    )


def _check_all() -> list[_Checker]:
    return [check_source(path.read_text(), str(path.relative_to(SRC))) for path in _modules()]


# --- the rules, on the real code -----------------------------------------------------------


def test_store_scope_is_built_only_in_the_scope_module() -> None:
    builders = [v for c in _check_all() for v in c.violations if "StoreScope outside" in v.what]
    assert builders == [], "\n".join(map(str, builders))
    # ...and that module really is where scopes come from.
    built = check_source(SCOPE_MODULE.read_text(), "elsewhere.py").violations
    assert len([v for v in built if "StoreScope outside" in v.what]) >= 2


def test_no_scope_is_copied_with_other_values() -> None:
    copies = [v for c in _check_all() for v in c.violations if "replace()" in v.what]
    assert copies == [], "\n".join(map(str, copies))


# The outbox's machinery works for every store at once, by design: the sender delivers
# every store's messages, the operator's CLI lists and retries them, and ``enqueue`` takes
# the ``store_id`` of a use case that already holds the scope (its signature is the
# interface other domains send through). Listed by function, so anything new is checked.
SYSTEM_WIDE = {
    ("messages/sender.py", "claim"),
    ("messages/sender.py", "_finish"),
    ("messages/templates.py", "find"),
    ("messages/operations.py", "list_messages"),
    ("messages/operations.py", "_retry"),
    ("messages/outbox.py", "enqueue"),
    ("messages/outbox.py", "_require_template"),
    # Which store a request's host name is for, and the browser origins allowed on it:
    # read before any scope exists, by a domain its store claimed in public, as a store
    # code in a path is (Aimeos' /jsonapi, and CORS on the customer surfaces).
    ("stores/sites.py", "store_by_host"),
    ("stores/sites.py", "origins_for_host"),
    # The webhook sender, likewise: it claims and records every store's deliveries.
    ("webhooks/sender.py", "claim"),
    ("webhooks/sender.py", "finish"),
    ("webhooks/sender.py", "_endpoint_health"),
    # The data lifecycle pass, likewise: it claims every store's queued duplicate scans,
    # duplicate checks and pending data exports, and removes every store's expired
    # archives; each row is then handled in its own store's job scope.
    ("duplicates/scan.py", "_claim"),
    ("duplicates/checks.py", "_take"),
    ("privacy/exports.py", "build_pending"),
    ("privacy/exports.py", "remove_expired"),
    # A data export's download link carries no credentials: its HMAC over store, export
    # and expiry is the credential, checked before the row (of the store it names) is read.
    ("privacy/exports.py", "signed_export"),
}


# Statements and joins built once at import for the hottest reads (building them on each
# request cost more than running them). Each reads one store only: the kept counts are
# run with the scope's store id bound, and the list's figures are joined on the listed
# customer's own store_id, onto a statement that checked the scope (a ScopedQuery, or a
# page of find_customers); the first address is read in that store, named by the
# customer's store_id or the ScopedQuery's store id parameter.
PREBUILT = {
    ("customers/totals.py", "_kept"),
    ("loyalty/listed.py", "_figures_joined"),
    ("loyalty/listed.py", "_own_address"),
    # The earning's balance upsert (built once per dialect, run with the scope's store id
    # bound) and the lot made from a ledger entry of the scope's store.
    ("loyalty/ledger_statements.py", "balance_upsert"),
    ("loyalty/ledger_statements.py", "lot_of"),
}
EXEMPT = SYSTEM_WIDE | PREBUILT


def _function(violation: Violation) -> tuple[str, str]:
    return violation.path, violation.what.split("(", 1)[0]


# A scope is made from a live API key as from a membership: the scope module checks a key
# by its hash (is it live at all: 401, or only not for this store: 404) before any scope.
CREDENTIAL_CHECKS = {("stores/scope.py", "ApiKey")}


def _is_credential_check(violation: Violation) -> bool:
    model = violation.what.split(" queries ")[-1].split(" ")[0]
    return (violation.path, model) in CREDENTIAL_CHECKS


def test_every_query_of_store_owned_data_takes_a_store_scope() -> None:
    checkers = _check_all()
    found = [
        v
        for c in checkers
        for v in c.violations
        if "without taking" in v.what and not _is_credential_check(v)
    ]
    unscoped = [v for v in found if _function(v) not in EXEMPT]
    assert unscoped == [], "\n".join(map(str, unscoped))
    assert {_function(v) for v in found} == EXEMPT  # no stale entry

    # The rule is not vacuous: it sees the queries of the known repositories and services.
    querying = {c.path for c in checkers if c.queries}
    assert {
        "customers/service.py",
        "customers/queries.py",
        "addresses/service.py",
        "audit/service.py",
        "kit/idempotency.py",
    } <= querying


# --- the checker itself --------------------------------------------------------------------

BAD = """
from clientbook.models import Customer, CustomerAddress as Addr, User
from clientbook import models as m
from clientbook.stores.scope import StoreScope
from dataclasses import replace

LEAK = select(Customer)

async def by_email(session, email):
    return await session.scalars(select(Customer.id).where(Customer.email_key == email))

async def address(session, store_id, address_id):
    return await session.get(Addr, (store_id, address_id))

async def events(session):
    return await session.execute(select(m.CustomerEvent))

def forge(user_id):
    return StoreScope(uuid4(), "X", None, user_id, "owner")

def widen(scope: StoreScope, other):
    return replace(scope, store_id=other)

async def insert(session, store_id):
    session.add(Customer(store_id=store_id))

async def users(session):
    return await session.scalars(select(User))  # not store-owned: fine
"""

GOOD = """
from clientbook.models import Customer, CustomerAddress
from clientbook.stores.scope import StoreScope

async def find(session, scope: StoreScope, customer_id):
    async def inner():
        return await session.get(Customer, (scope.store_id, customer_id))
    return await inner()

async def count(session, *, scope: "StoreScope"):
    return await session.scalar(select(func.count()).select_from(CustomerAddress))

def condition(customer_id):
    return Customer.id == customer_id  # a condition, not a query

IN_SCOPE = ScopedQuery(
    lambda statement: statement.outerjoin(Customer, Customer.store_id == Membership.store_id)
)

def page(sort):
    def extend(statement, store_id):
        return statement.outerjoin(Customer, Customer.store_id == Membership.store_id)
    return ScopedQuery(extend)
"""


def test_the_checker_finds_each_kind_of_violation() -> None:
    found = [v.what for v in check_source(BAD, "bad.py").violations]
    assert found == [
        "<module>() queries Customer without taking a StoreScope",
        "by_email() queries Customer without taking a StoreScope",
        "address() queries CustomerAddress without taking a StoreScope",
        "events() queries CustomerEvent without taking a StoreScope",
        "builds a StoreScope outside stores/scope.py",
        "copies a StoreScope with replace()",
        "insert() queries Customer without taking a StoreScope",
    ]


def test_the_checker_accepts_scoped_queries() -> None:
    checker = check_source(GOOD, "good.py")
    assert checker.violations == []
    assert [q.what for q in checker.queries] == [
        "inner() queries Customer",
        "count() queries CustomerAddress",
        "<module>() queries Customer",
        "extend() queries Customer",
    ]


@pytest.mark.parametrize("model", sorted(STORE_OWNED))
def test_every_store_owned_model_is_recognised(model: str) -> None:
    source = f"from clientbook.models import {model}\ndef leak(s):\n    s.get({model}, 1)\n"
    assert len(check_source(source, "x.py").violations) == 1


def test_customer_scopes_are_made_only_in_their_module() -> None:
    source = "def forge(store, customer_id, session_id):\n"
    source += "    return CustomerScope(PublicStore(store, None), customer_id, session_id)\n"
    found = [v.what for v in check_source(source, "forged.py").violations]
    assert found == [
        "builds a CustomerScope outside customer_accounts/scope.py",
        "builds a PublicStore outside customer_accounts/scope.py",
    ]
