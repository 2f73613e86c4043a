"""Nurses drawing from the same lot at the same moment never produce a wrong balance.

N threads × M draws, each a transaction of its own on a freshly migrated database (committed
data, as requests would commit). The lot row and the clinic's chain head are locked before the
balance and hash are computed, so the final balance is exact, every sequence is used once and
the chain verifies. On SQLite, writers are serialized by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import new_database_url
from tests.factories import actor_for, make_user
from tests.services.test_ledger import (
    administer,
    iv_session,
    ketamine_product,
    make_clinicians,
    receive,
)

from ketapath.db import migrate
from ketapath.db.engine import begin_write, make_engine, make_session_factory
from ketapath.db.models import ControlledLot, LedgerEntry, Role
from ketapath.services import ledger_reports
from ketapath.services.permissions import Actor

THREADS = 6
DRAWS_PER_THREAD = 8
DRAW_MG = Decimal("12.5")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    url, fresh = new_database_url(str(request.param), tmp_path)
    engine = make_engine(url, **({"pool_size": THREADS + 2} if fresh else {}))
    try:
        migrate.upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def _in_threads(*targets: Callable[[], None]) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        barrier.wait()
        try:
            target()
        except BaseException as error:  # collected and asserted by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


class TestConcurrentDraws:
    def test_parallel_draws_from_one_lot_leave_an_exact_balance(self, factory):
        with factory() as s:
            begin_write(s)
            people = make_clinicians(s)
            nurses = [
                actor_for(make_user(s, people.clinic, role=Role.NURSE))
                for _ in range(THREADS)
            ]
            product = ketamine_product(s, people.doctor)
            receipt = receive(s, people.doctor, product.id, containers=2)  # 1000 mg
            treatment = iv_session(s, people)
            lot_id, session_id, clinic_id = (
                receipt.lot_id,
                treatment.id,
                people.clinic.id,
            )
            s.commit()

        def draws(actor: Actor) -> Callable[[], None]:
            def go() -> None:
                for _ in range(DRAWS_PER_THREAD):
                    with factory() as s:
                        begin_write(s)
                        administer(s, actor, lot_id, session_id, given_mg=str(DRAW_MG))
                        s.commit()

            return go

        assert _in_threads(*(draws(n) for n in nurses)) == []

        total = THREADS * DRAWS_PER_THREAD
        with factory() as s:
            lot = s.get(ControlledLot, lot_id)
            assert lot is not None
            assert lot.balance_mg == Decimal(1000) - DRAW_MG * total
            assert lot.entry_count == total + 1
            entries = s.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.clinic_id == clinic_id)
                .order_by(LedgerEntry.sequence)
            ).all()
            assert [e.sequence for e in entries] == list(range(1, total + 2))
            balances = [e.balance_mg for e in entries]
            assert balances == [
                Decimal(1000) - DRAW_MG * i for i in range(total + 1)
            ]  # each draw saw the one before it
            (result,) = ledger_reports.verify_chains(s, clinic_id=clinic_id)
            assert result.ok, result.problem
            assert result.entries == total + 1

    def test_racing_draws_for_the_last_stock_never_go_negative(self, factory):
        with factory() as s:
            begin_write(s)
            people = make_clinicians(s)
            nurses = [
                actor_for(make_user(s, people.clinic, role=Role.NURSE))
                for _ in range(THREADS)
            ]
            product = ketamine_product(s, people.doctor, ndc="42023-113-20")
            receipt = receive(
                s, people.doctor, product.id, containers=1, quantity_mg="100"
            )
            treatment = iv_session(s, people)
            lot_id, session_id = receipt.lot_id, treatment.id
            s.commit()
        outcomes: list[str] = []

        def draw(actor: Actor) -> Callable[[], None]:
            def go() -> None:
                with factory() as s:
                    begin_write(s)
                    try:
                        administer(s, actor, lot_id, session_id, given_mg="40")
                        s.commit()
                        outcomes.append("ok")
                    except Exception as error:
                        s.rollback()
                        outcomes.append(type(error).__name__)

            return go

        assert _in_threads(*(draw(n) for n in nurses)) == []
        assert outcomes.count("ok") == 2  # 100 mg holds two 40 mg draws, never three
        assert outcomes.count("NegativeBalanceError") == THREADS - 2
        with factory() as s:
            lot = s.get(ControlledLot, lot_id)
            assert lot is not None
            assert lot.balance_mg == Decimal(20)
