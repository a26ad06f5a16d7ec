"""The wiring every door and job shares: settings, database, repositories, catalogs, renderer,
the support on offer and the clock, built once at start. What happens to an update is in
bot/service/step.py; this module holds no step, no delivery and no job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.config import Settings
from bot.i18n import Catalogs
from bot.metrics import Metrics
from bot.render import Renderer
from bot.service.step import Steps
from bot.support_file import SupportFile
from bot.wording import Wording
from flows.ports import OfficeChoice
from flows.support import Catalogue
from storage.conversations import ConversationStore, StaffDestinations
from storage.db import Database
from storage.retention import Retention
from storage.roster import OfficeRoster
from storage.times import utc_now

Clock = Callable[[], datetime]


@dataclass
class Assistant:
    """What every door shares: the repositories, the step's transaction and the renderer."""

    settings: Settings
    db: Database
    store: ConversationStore
    retention: Retention
    catalogs: Catalogs
    renderer: Renderer
    wording: Wording
    clock: Clock = utc_now
    support: SupportFile | None = None  # the support on offer; None: figures are not shown
    office_support: dict[str, SupportFile] = field(default_factory=dict)  # an office's own
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def build(cls, settings: Settings, clock: Clock = utc_now, migrate: bool = True) -> Assistant:
        support = SupportFile(settings.support_file)  # an invalid file stops the start here
        office_support = {  # an office with programmes of its own keeps its own catalogue
            office.id: SupportFile(office.support_file)
            for office in settings.offices
            if office.support_file is not None
        }
        db = Database(settings.database_url)
        if migrate:
            db.migrate()
        for office in settings.offices:  # the roster follows the office file
            OfficeRoster(db, office.id).set_languages_without_interpreter(
                office.languages_without_interpreter
            )
        catalogs = Catalogs(settings.locales_dir)
        default, *others = settings.offices
        renderer = Renderer(catalogs, default, settings.retention_days, others)
        destinations = {
            office.id: StaffDestinations(
                office.staff_chat_ids, settings.mailbox(office), office.staff_locale
            )
            for office in settings.offices
        }
        store = ConversationStore(
            db, settings.keyring, default.id, destinations.pop(default.id), destinations
        )
        wording = Wording(renderer)
        retention = Retention(db, default.id)
        return cls(
            settings,
            db,
            store,
            retention,
            catalogs,
            renderer,
            wording,
            clock,
            support,
            office_support,
        )

    @cached_property
    def steps(self) -> Steps:
        """The transaction of one step, on this assistant's repositories."""
        return Steps(self.store)

    def catalogue(self, office_id: str) -> Catalogue | None:
        """The support on offer at this office (edits of its file show up at the next step)."""
        support = self.office_support.get(office_id, self.support)
        return support.current() if support else None

    @cached_property
    def office_choices(self) -> tuple[OfficeChoice, ...]:
        """The offices a client can choose; with only one there is nothing to choose."""
        if len(self.settings.offices) < 2:
            return ()
        return tuple(
            OfficeChoice(o.id, o.name, o.short_name, o.districts, o.postcodes)
            for o in self.settings.offices
        )
