"""Where a conversation can stand, declared once: the journey's states and the button back to the
menu. A state is stored as its string, so a conversation saved by an earlier version keeps its place;
support screens declare theirs in flows/support_screens.py, booking in flows/booking.py."""

from __future__ import annotations

from flows import intake
from flows.model import Button
from flows.text import pt

LANGUAGE, PRIVACY, MENU = "language", "privacy", "menu"
SUMMARY, DELETE = "intake.summary", "delete.confirm"
# One state per intake question: "intake.<slot>".
QUESTION_STATES: dict[str, intake.Question] = {f"intake.{q.slot}": q for q in intake.QUESTIONS}
STATE_OF_SLOT: dict[str, str] = {q.slot: state for state, q in QUESTION_STATES.items()}
FIRST_QUESTION = STATE_OF_SLOT[intake.QUESTIONS[0].slot]

MENU_BUTTON = Button("menu", pt("button", "Menu"))
