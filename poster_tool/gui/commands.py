"""Every curator edit (of posters, viewer profiles and saved views) as a ``QUndoCommand``, and the
editor that pushes them.

``redo()`` and ``undo()`` each make one store call, one transaction with its audit row.
A poster edit's steps run in a worker, one after another (``gui/edit_queue.py``), and
read the old state there at the first redo (``store.curation_state``): an edit of
20,000 posters never freezes the window.  A profile or view edit writes one row and runs
at once on the GUI thread's store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from poster_tool.core.errors import EditConflict, PosterToolError, StoreError
from poster_tool.core.personalize.profiles import ProfileState, put_profile
from poster_tool.gui.common.wording import plural
from poster_tool.gui.edit_queue import EditQueue

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import AuditEntry, PosterQuery
    from poster_tool.core.workspace import Workspace

Notify = Callable[[list[int]], None]


class CatalogCommand(QUndoCommand):
    """Base of every edit: ``redo()`` and ``undo()`` each make one store call (see
    :meth:`run`); a refusal makes the command obsolete and is told to :attr:`failed`."""

    # Set while the editor takes a failed edit out of the stack by moving the stack's index
    # past it: the commands passed on the way are neither undone nor redone.
    passing = False

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.error: PosterToolError | None = None
        self.failed: Callable[[str], None] | None = None  # told every failure, in words
        self._pushed = False

    def redo(self) -> None:
        if not CatalogCommand.passing:
            self.run(True, "Redo" if self._pushed else "")
            self._pushed = True

    def undo(self) -> None:
        if not CatalogCommand.passing:
            self.run(False, "Undo")

    def run(self, forward: bool, what: str) -> None:
        """Apply the edit (``forward``) or take it back; ``what`` names a later undo or redo
        ("" for the first redo)."""
        raise NotImplementedError

    def refused(self, exc: PosterToolError, what: str, text: str) -> None:
        """The store refused a step (nothing was written): the command is obsolete."""
        self.error = exc
        if shiboken6.isValid(self):  # (a command the stack has deleted is obsolete anyway)
            self.setObsolete(True)
        if self.failed is not None:
            self.failed(f"{what} of “{text}” failed: {exc}" if what else str(exc))

    def done(self) -> None:
        """Say what changed (after every redo and undo, failed or not)."""


class CurationCommand(CatalogCommand):
    """Base of the poster edits: remembers the state before, reports changed posters.

    Every step (the first redo, each undo and redo) runs in the editor's
    :class:`~poster_tool.gui.edit_queue.EditQueue`, after the steps before it, on the
    worker's store; the state before is read there too, at the first redo
    (:meth:`prepare`).  A step lands on the GUI thread later: then the changed posters are
    told to :attr:`notify`, or a refusal to :attr:`failed` (the editor then takes the
    command out of the stack, as Qt does when a step fails at once).

    Each step is refused when another curator has edited its posters since the point it is
    based on (:meth:`PosterStore.based_on`): the first redo on the window's view
    (:attr:`point`, which the editor sets), every later undo and redo on the catalog as this
    command's previous step left it, so an undo never takes back another curator's edit.

    :param notify: called with the ids of posters whose state changed (after redo and undo)
    """

    def __init__(
        self, edits: EditQueue, ids: Sequence[int], curator: str, text: str, notify: Notify
    ) -> None:
        super().__init__(text)
        self.edits = edits
        self.ids = list(dict.fromkeys(ids))
        self.curator = curator
        self.notify = notify
        self.before: dict[int, dict[str, Any]] = {}
        self.point = 0  # the audit point this command's next step is based on
        self.title = ""  # a better text, known once prepared (the stack shows it on landing)
        # Told each step that wrote: the audit ids it wrote (after the first, up to the last).
        self.wrote: Callable[[int, int], None] | None = None
        self._prepared = False
        self._broken = False  # (worker thread) a step failed: later ones are skipped

    def doing(self) -> str:
        """What the first redo does, for the status bar ("Approving 20,000 posters")."""
        return f"Doing “{self.text()}”"

    def run(self, forward: bool, what: str) -> None:
        text = self.text()
        self.edits.submit(
            f"{what}ing “{text}”" if what else self.doing(),
            partial(self._step, forward, bool(what)),
            partial(self._landed, what, text),
        )

    def prepare(self, store: PosterStore) -> None:
        """Read what the edit needs before its first step (in the worker)."""
        self.before = store.curation_state(self.ids)

    def _step(self, forward: bool, reverting: bool, store: PosterStore) -> object:
        # In the worker thread: ``reverting`` when a later undo or redo goes back on this
        # command's own previous step.
        if self._broken:
            return None
        try:
            if not self._prepared:
                self.prepare(store)
                self._prepared = True
            with store.based_on(self.point, self.touched(), self.curator, reverting=reverting):
                first = store.last_change()
                (self.apply if forward else self.restore)(store)
                self.point = store.last_change()
        except PosterToolError as exc:
            # Nothing was written (the store's transaction rolled back).
            self._broken = True
            return exc
        return first, self.point

    def _landed(self, what: str, text: str, value: object) -> None:
        if value is None:
            return  # skipped: an earlier step of this command failed
        if isinstance(value, tuple):
            if self.wrote is not None:
                self.wrote(*value)
        else:  # a refusal, or the message of something unexpected
            exc = value if isinstance(value, PosterToolError) else PosterToolError(str(value))
            self.refused(exc, what, text)
        self.done()

    def done(self) -> None:
        self.notify(self.touched())

    def touched(self) -> list[int]:
        """Posters this command changes."""
        return self.ids

    def apply(self, store: PosterStore) -> None:
        """Make the edit (one store call, in the worker)."""
        raise NotImplementedError

    def restore(self, store: PosterStore) -> None:
        """Take the edit back (one store call, in the worker)."""
        raise NotImplementedError


class SetStatusCommand(CurationCommand):
    """Approve, reject or reset posters."""

    def __init__(
        self, edits: EditQueue, ids: Sequence[int], status: str, curator: str, notify: Notify
    ) -> None:
        verb = {"approved": "Approve", "rejected": "Reject"}.get(status, "Reset")
        super().__init__(edits, ids, curator, f"{verb} {plural(len(ids), 'poster')}", notify)
        self.status = status

    def doing(self) -> str:
        verb = {"approved": "Approving", "rejected": "Rejecting"}.get(self.status, "Resetting")
        return f"{verb} {plural(len(self.ids), 'poster')}"

    def apply(self, store: PosterStore) -> None:
        store.set_status(dict.fromkeys(self.ids, self.status), self.curator)

    def restore(self, store: PosterStore) -> None:
        store.set_status({i: s["status"] for i, s in self.before.items()}, self.curator)


class GenresCommand(CurationCommand):
    """Sets curator genres (``after``, fixed when the command is first done); undo puts
    back each poster's labels as they were."""

    after: dict[int, list[str]]

    def apply(self, store: PosterStore) -> None:
        store.set_genres(self.after, self.curator)

    def restore(self, store: PosterStore) -> None:
        # ``None`` withdraws curator labels: an uncurated poster goes back to its source's.
        store.set_genres({i: s["genres"] for i, s in self.before.items()}, self.curator)


class ToggleGenreCommand(GenresCommand):
    """Turn one genre on for all posters (off when all have it); the result is fixed when
    the command is first done."""

    def __init__(
        self, edits: EditQueue, ids: Sequence[int], genre: str, curator: str, notify: Notify
    ) -> None:
        text = f"Toggle {genre} on {plural(len(dict.fromkeys(ids)), 'poster')}"
        super().__init__(edits, ids, curator, text, notify)
        self.genre = genre
        self.turn_on = True

    def doing(self) -> str:
        return f"Toggling {self.genre} on {plural(len(self.ids), 'poster')}"

    def prepare(self, store: PosterStore) -> None:
        super().prepare(store)
        self.turn_on, self.after = store.genre_toggle(self.ids, self.genre)
        sign = "+" if self.turn_on else "−"
        self.title = f"{sign}{self.genre} on {plural(len(self.after), 'poster')}"


class AcceptModelCommand(GenresCommand):
    """Turn the model's view of the posters into curator genres.

    :param after: what :func:`poster_tool.core.final_genres.accepted` gives the scored
        posters (worked out beforehand, off the GUI thread for a large selection)
    """

    def __init__(
        self, edits: EditQueue, after: Mapping[int, list[str]], curator: str, notify: Notify
    ) -> None:
        self.after = dict(after)
        super().__init__(
            edits,
            list(self.after),
            curator,
            f"Accept the model on {plural(len(self.after), 'poster')}",
            notify,
        )

    def doing(self) -> str:
        return f"Accepting the model's genres on {plural(len(self.ids), 'poster')}"


class SetSensitiveCommand(CurationCommand):
    """Mark posters sensitive with a reason, or clear the mark (``reason=None``)."""

    def __init__(
        self,
        edits: EditQueue,
        ids: Sequence[int],
        reason: str | None,
        curator: str,
        notify: Notify,
    ) -> None:
        text = "Mark sensitive" if reason is not None else "Clear sensitive"
        super().__init__(edits, ids, curator, f"{text}: {plural(len(ids), 'poster')}", notify)
        self.reason = reason

    def doing(self) -> str:
        verb = "Marking" if self.reason is not None else "Clearing"
        return f"{verb} {plural(len(self.ids), 'poster')} sensitive"

    def apply(self, store: PosterStore) -> None:
        store.set_sensitive(dict.fromkeys(self.ids, self.reason), self.curator)

    def restore(self, store: PosterStore) -> None:
        # A flag set without a reason (older data) comes back with a placeholder reason.
        store.set_sensitive(
            {
                i: None if s["sensitive"] is None else (s["sensitive"] or "unspecified")
                for i, s in self.before.items()
            },
            self.curator,
        )


class MakeDefaultCommand(CurationCommand):
    """Make each poster its title's default and approve it, in one transaction (with
    several posters of one title, the first one wins); undo puts back each title's previous
    default and each poster's status."""

    def __init__(self, edits: EditQueue, ids: Sequence[int], curator: str, notify: Notify):
        text = f"Make {plural(len(dict.fromkeys(ids)), 'poster')} default"
        super().__init__(edits, ids, curator, text, notify)
        self.title_of: dict[int, int] = {}  # chosen poster -> its title
        self.previous: dict[int, int | None] = {}  # chosen poster -> its title's old default

    def doing(self) -> str:
        return f"Making {plural(len(self.ids), 'poster')} default"

    def prepare(self, store: PosterStore) -> None:
        chosen = {p.title_id: p.id for p in reversed(store.posters(self.ids))}
        if not chosen:
            raise StoreError(f"no poster with id {', '.join(map(str, self.ids[:5]))}")
        self.ids = list(chosen.values())
        self.title_of = {poster_id: title_id for title_id, poster_id in chosen.items()}
        self.previous = {
            poster_id: store.get_title(title_id).default_poster_id
            for title_id, poster_id in chosen.items()
        }
        super().prepare(store)
        self.title = f"Make {plural(len(self.ids), 'poster')} default"

    def touched(self) -> list[int]:
        return self.ids + [p for p in self.previous.values() if p is not None]

    def apply(self, store: PosterStore) -> None:
        # Savepoints inside the step's transaction: all of it lands, or none.
        unapproved = [i for i in self.ids if self.before[i]["status"] != "approved"]
        if unapproved:
            store.set_status(dict.fromkeys(unapproved, "approved"), self.curator)
        for poster_id in self.ids:
            store.set_default(poster_id, self.curator)

    def restore(self, store: PosterStore) -> None:
        for poster_id in reversed(self.ids):
            title_id = self.title_of[poster_id]
            store.set_default(self.previous[poster_id], self.curator, title_id=title_id)
        store.set_status({i: s["status"] for i, s in self.before.items()}, self.curator)


class MarkReviewCommand(CurationCommand):
    """Put posters in the reviewer's queue; undo withdraws the marks."""

    def __init__(self, edits: EditQueue, ids: Sequence[int], curator: str, notify: Notify):
        text = f"Mark {plural(len(ids), 'poster')} for review"
        super().__init__(edits, ids, curator, text, notify)
        self.marks: list[int] = []

    def doing(self) -> str:
        return f"Marking {plural(len(self.ids), 'poster')} for review"

    def apply(self, store: PosterStore) -> None:
        self.marks = store.mark_needs_review(self.ids, self.curator)

    def restore(self, store: PosterStore) -> None:
        store.withdraw(self.marks, self.curator)


class ReviewCommand(CurationCommand):
    """A reviewer accepts or overrides the waiting edits of posters; undo makes them wait
    again (and puts an overridden poster's edits back)."""

    def __init__(
        self, edits: EditQueue, ids: Sequence[int], decision: str, curator: str, notify: Notify
    ) -> None:
        self.verb = "Accept" if decision == "accepted" else "Override"
        text = f"{self.verb} edits of {plural(len(dict.fromkeys(ids)), 'poster')}"
        super().__init__(edits, ids, curator, text, notify)
        self.decision = decision
        self.decided: list[int] = []

    def doing(self) -> str:
        verb = "Accepting" if self.decision == "accepted" else "Overriding"
        return f"{verb} edits of {plural(len(self.ids), 'poster')}"

    def prepare(self, store: PosterStore) -> None:
        # Only the posters with edits waiting are reviewed (and come back on undo).
        self.ids = list(store.pending_edits(self.ids))
        super().prepare(store)
        self.title = f"{self.verb} edits of {plural(len(self.ids), 'poster')}"

    def apply(self, store: PosterStore) -> None:
        self.decided = store.review(self.ids, self.decision, self.curator)

    def restore(self, store: PosterStore) -> None:
        states = self.before if self.decision == "overridden" else None
        store.undo_review(self.decided, self.curator, states)


class RevertCommand(CurationCommand):
    """Put a poster back as it was right after one entry of its history."""

    def __init__(
        self, edits: EditQueue, poster_id: int, entry_id: int, curator: str, notify: Notify
    ) -> None:
        text = f"Revert poster #{poster_id} to entry {entry_id}"
        super().__init__(edits, [poster_id], curator, text, notify)
        self.poster_id, self.entry_id = poster_id, entry_id
        self.after: dict[int, dict[str, Any]] = {}

    def doing(self) -> str:
        return f"Reverting poster #{self.poster_id}"

    def prepare(self, store: PosterStore) -> None:
        super().prepare(store)
        self.after = {self.poster_id: store.state_after(self.poster_id, self.entry_id)}

    def apply(self, store: PosterStore) -> None:
        store.put_curation_state(self.after, self.curator)

    def restore(self, store: PosterStore) -> None:
        store.put_curation_state(self.before, self.curator)


class SwapCommand(CatalogCommand):
    """An edit that swaps one whole state for another: redo puts ``after`` in the place of
    ``before``, undo the reverse (``None``: no such thing, so the edit adds or deletes)."""

    def __init__(
        self, store: PosterStore, text: str, before: object, after: object, curator: str
    ) -> None:
        super().__init__(text)
        self.store = store
        self.before = before
        self.after = after
        self.curator = curator

    def run(self, forward: bool, what: str) -> None:
        # A small write (one profile or view) on the GUI thread's store, done at once.
        self.error = None
        try:
            self.put(*((self.before, self.after) if forward else (self.after, self.before)))
        except PosterToolError as exc:
            self.refused(exc, what, self.text())
        self.done()

    def put(self, current: Any, state: Any) -> None:
        """Replace ``current`` by ``state`` in the catalog (one store call)."""
        raise NotImplementedError


class ProfileCommand(SwapCommand):
    """One edit of a viewer profile: ``before`` and ``after`` are its whole state (see
    :func:`poster_tool.core.personalize.profiles.put_profile`).

    :param notify: called with the name of the profile to show after redo and undo
    """

    def __init__(
        self,
        store: PosterStore,
        text: str,
        before: ProfileState | None,
        after: ProfileState | None,
        curator: str,
        notify: Callable[[str], None],
    ) -> None:
        super().__init__(store, text, before, after, curator)
        self.notify = notify
        self._shown = ""

    def put(self, current: ProfileState | None, state: ProfileState | None) -> None:
        self._shown = current.name if current is not None else ""
        put_profile(self.store, None if current is None else current.name, state, self.curator)
        self._shown = state.name if state is not None else ""

    def done(self) -> None:
        self.notify(self._shown)


SavedView = tuple[str, "PosterQuery"]  # a saved view's name and filters


class ViewCommand(SwapCommand):
    """Save, rename or delete a saved view (``before``, ``after``: ``(name, query)``).

    :param notify: called after redo and undo
    """

    def __init__(
        self,
        store: PosterStore,
        text: str,
        before: SavedView | None,
        after: SavedView | None,
        curator: str,
        notify: Callable[[], None],
    ) -> None:
        super().__init__(store, text, before, after, curator)
        self.notify = notify

    def put(self, current: SavedView | None, state: SavedView | None) -> None:
        self.store.put_view(
            None if current is None else current[0],
            None if state is None else state[0],
            None if state is None else state[1],
            self.curator,
        )

    def done(self) -> None:
        self.notify()


class Editor(QObject):
    """Pushes curator edits onto one undo stack; the window calls it, never the store.

    Poster edits (and their undo and redo) run in :attr:`edits`, in the order given; the
    undo stack moves at once, the catalog and ``changed`` follow as each step lands.

    :param store: the GUI thread's store (set when a workspace opens)
    :param curator: the name written to the audit log
    """

    changed = Signal(list)  # ids of posters whose state changed (edit, undo or redo)
    profiles_changed = Signal(str)  # a profile edit, undo or redo: the profile to show
    views_changed = Signal()  # a saved view was saved, renamed or deleted (or undone)
    failed = Signal(str)  # an edit the store refused, in plain words
    conflicted = Signal()  # refused: another curator's edit is not shown yet

    def __init__(
        self, store: PosterStore | None, curator: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store: PosterStore = store  # type: ignore[assignment]
        self.curator = curator
        self.stack = QUndoStack(self)
        self.edits = EditQueue(self)
        # The audit point of what the window shows: set when a workspace opens or the
        # window re-reads everything, moved on as other curators' edits are shown.
        self.point = 0
        self._written: list[tuple[int, int]] = []  # audit ids this window wrote, (after, upto]
        self._era = 0  # steps of an earlier catalog's commands land unheard
        self._notify: Notify = partial(self._on_changed, self._era)

    def open(self, workspace: Workspace, store: PosterStore) -> None:
        """Edit the catalog of ``workspace`` from now on (``store``: the GUI thread's);
        the edits still running on the previous one finish first."""
        self.close()
        self.store, self.edits.workspace = store, workspace
        self.point = store.last_change()

    def close(self) -> None:
        """Let every edit submitted finish, then forget the undo history (its commands
        belong to the catalog closing)."""
        self.edits.wait()
        self._era += 1
        self._notify = partial(self._on_changed, self._era)
        self._written.clear()
        self.stack.clear()

    @property
    def busy(self) -> bool:
        """Whether a poster edit (or its undo or redo) is still running."""
        return self.edits.busy

    def own_entries(self) -> Callable[[AuditEntry], bool]:
        """Whether this window wrote an audit entry, as of now (its edits land through
        another connection: the live feed must not show them as news); a worker may call it."""
        curator, written = self.curator, tuple(self._written)
        return lambda entry: (
            entry.curator == curator and any(after < entry.id <= upto for after, upto in written)
        )

    def _on_changed(self, era: int, ids: list[int]) -> None:
        if era == self._era:
            self.changed.emit(ids)

    def _push(self, command: CatalogCommand) -> None:
        # Told the failures of the first redo, and of every undo and redo later.
        command.failed = partial(self._on_command_failed, self._era, command)
        if isinstance(command, CurationCommand):
            command.point = self.point  # the view the curator decided on
            command.wrote = partial(self._on_command_wrote, self._era, command)
        self.stack.push(command)

    def _on_command_wrote(self, era: int, command: CurationCommand, after: int, upto: int) -> None:
        if era != self._era:
            return
        self._written.append((after, upto))
        if command.title and shiboken6.isValid(command):
            # The text read at the first step, e.g. "+Action on 3 posters": the undo and
            # redo actions show it at once.
            command.setText(command.title)
            command.title = ""
            self.stack.undoTextChanged.emit(self.stack.undoText())
            self.stack.redoTextChanged.emit(self.stack.redoText())

    def _on_command_failed(self, era: int, command: CatalogCommand, message: str) -> None:
        if era != self._era:
            return
        self.failed.emit(message)
        if isinstance(command, CurationCommand):
            self._drop(command)
        if isinstance(command.error, EditConflict):
            self.conflicted.emit()

    def _drop(self, command: CurationCommand) -> None:
        """Take the obsolete ``command`` out of the stack, as Qt does with a step that
        fails at once: move the index past it (Qt deletes an obsolete command it passes)
        and back, without undoing or redoing the commands on the way."""
        stack = self.stack
        at = next((i for i in range(stack.count()) if stack.command(i) is command), None)
        if at is None:
            return
        index = stack.index()
        CatalogCommand.passing = True
        try:
            if at < index:
                stack.setIndex(at)
                stack.setIndex(index - 1)
            else:
                stack.setIndex(at + 1)
                stack.setIndex(index)
        finally:
            CatalogCommand.passing = False

    def read_after(
        self, doing: str, read: Callable[[PosterStore], Any], deliver: Callable[[Any], object]
    ) -> None:
        """``deliver(read(store))`` once every edit submitted so far has landed; ``read``
        runs in the edits' worker (a failure is said through ``failed``).

        :param doing: what the read does, for the status bar if it takes long
        """

        def landed(value: object) -> None:
            if isinstance(value, str):  # what went wrong, in words
                self.failed.emit(value)
            else:
                deliver(value)

        self.edits.submit(doing, read, landed)

    def after_edits(self, done: Callable[[], object]) -> None:
        """Call ``done`` once every edit submitted so far has landed."""
        self.edits.submit("", lambda _store: None, lambda _value: done())

    def saw(self, point: int) -> None:
        """The window now shows the catalog as of audit point ``point`` (or later)."""
        self.point = max(self.point, point)
        self._written = [(after, upto) for after, upto in self._written if upto > self.point]

    def set_status(self, ids: Sequence[int], status: str) -> None:
        """Approve / reject / reset the posters (one undo step)."""
        if ids:
            self._push(SetStatusCommand(self.edits, ids, status, self.curator, self._notify))

    def toggle_genre(self, ids: Sequence[int], genre: str) -> None:
        """Flip one genre on the posters (one undo step)."""
        if ids:
            self._push(ToggleGenreCommand(self.edits, ids, genre, self.curator, self._notify))

    def accept_model(self, after: Mapping[int, list[str]]) -> int:
        """Make the model's genres the curator's (one undo step); how many posters it takes.

        :param after: the curator genres each poster gets (``final_genres.accepted``)
        """
        if after:
            self._push(AcceptModelCommand(self.edits, after, self.curator, self._notify))
        return len(after)

    def set_sensitive(self, ids: Sequence[int], reason: str | None) -> None:
        """Mark or clear the sensitive flag (one undo step)."""
        if ids:
            self._push(SetSensitiveCommand(self.edits, ids, reason, self.curator, self._notify))

    def make_default(self, ids: Sequence[int]) -> None:
        """Make each poster its title's default and approve it (one undo step).

        With several posters of one title selected, the first one wins.
        """
        if ids:
            self._push(MakeDefaultCommand(self.edits, ids, self.curator, self._notify))

    def mark_review(self, ids: Sequence[int]) -> None:
        """Put the posters in the reviewer's queue (one undo step)."""
        if ids:
            self._push(MarkReviewCommand(self.edits, ids, self.curator, self._notify))

    def review(self, ids: Sequence[int], decision: str) -> None:
        """Accept or override the waiting edits of the posters (one undo step; refused
        when none of them has an edit waiting)."""
        if ids:
            self._push(ReviewCommand(self.edits, ids, decision, self.curator, self._notify))

    def revert_to(self, poster_id: int, entry_id: int) -> None:
        """Put a poster back as it was after a history entry (one undo step)."""
        self._push(RevertCommand(self.edits, poster_id, entry_id, self.curator, self._notify))

    def edit_profile(
        self, text: str, before: ProfileState | None, after: ProfileState | None
    ) -> PosterToolError | None:
        """Change, add (``before=None``) or delete (``after=None``) a viewer profile (one
        undo step); the refusal, if the store refused it."""
        command = ProfileCommand(
            self.store, text, before, after, self.curator, self.profiles_changed.emit
        )
        self._push(command)
        return command.error

    def edit_view(
        self,
        text: str,
        before: SavedView | None,
        after: SavedView | None,
    ) -> PosterToolError | None:
        """Save (``before=None``), rename or change, or delete (``after=None``) a saved
        view (one undo step); the refusal, if the store refused it."""
        command = ViewCommand(
            self.store, text, before, after, self.curator, self.views_changed.emit
        )
        self._push(command)
        return command.error
