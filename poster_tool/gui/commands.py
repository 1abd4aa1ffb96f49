"""Every curator edit (of posters, viewer profiles and saved views) as a ``QUndoCommand``, and the
editor that pushes them.

A command reads the old state in ``__init__`` (e.g. ``store.curation_state``);
``redo()`` and ``undo()`` only call store methods, each one transaction with its audit
row, so what the window shows as done is already on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from poster_tool.core.errors import EditConflict, PosterToolError
from poster_tool.core.personalize.profiles import ProfileState, put_profile
from poster_tool.gui.common.wording import plural

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.records import PosterQuery

Notify = Callable[[list[int]], None]


class CatalogCommand(QUndoCommand):
    """Base of every edit: ``redo()`` runs :meth:`apply`, ``undo()`` :meth:`restore`, each
    one store call; a refusal makes the command obsolete and is told to :attr:`failed`."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.error: PosterToolError | None = None
        self.failed: Callable[[str], None] | None = None  # told every failure, in words
        self._pushed = False

    def redo(self) -> None:
        self._run(self.apply, "Redo" if self._pushed else "")
        self._pushed = True

    def undo(self) -> None:
        self._run(self.restore, "Undo")

    def _run(self, step: Callable[[], None], what: str) -> None:
        self.error = None
        try:
            step()
        except PosterToolError as exc:
            # Nothing was written (the store's transaction rolled back).  The command is
            # obsolete: push() drops a failed first redo, and the stack a failed undo.
            self.error = exc
            self.setObsolete(True)
            if self.failed is not None:
                self.failed(f"{what} of “{self.text()}” failed: {exc}" if what else str(exc))
        self.done()

    def done(self) -> None:
        """Say what changed (after every redo and undo, failed or not)."""

    def apply(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError


class CurationCommand(CatalogCommand):
    """Base of the poster edits: remembers the state before, reports changed posters.

    Each step is refused when another curator has edited its posters since the point it is
    based on (:meth:`PosterStore.based_on`): the first redo on the window's view
    (:attr:`point`, which the editor sets), every later undo and redo on the catalog as this
    command's previous step left it, so an undo never takes back another curator's edit.

    :param notify: called with the ids of posters whose state changed (after redo and undo)
    """

    def __init__(
        self, store: PosterStore, ids: Sequence[int], curator: str, text: str, notify: Notify
    ) -> None:
        super().__init__(text)
        self.store = store
        self.ids = list(dict.fromkeys(ids))
        self.curator = curator
        self.notify = notify
        self.before = store.curation_state(self.ids)
        self.point = 0  # the audit point this command's next step is based on

    def _run(self, step: Callable[[], None], what: str) -> None:
        # ``what`` names a later undo or redo, which goes back on this command's own step.
        super()._run(partial(self._based, step, bool(what)), what)

    def _based(self, step: Callable[[], None], reverting: bool) -> None:
        with self.store.based_on(self.point, self.touched(), self.curator, reverting=reverting):
            step()
            self.point = self.store.last_change()

    def done(self) -> None:
        self.notify(self.touched())

    def touched(self) -> list[int]:
        """Posters this command changes."""
        return self.ids


class SetStatusCommand(CurationCommand):
    """Approve, reject or reset posters."""

    def __init__(
        self, store: PosterStore, ids: Sequence[int], status: str, curator: str, notify: Notify
    ) -> None:
        verb = {"approved": "Approve", "rejected": "Reject"}.get(status, "Reset")
        super().__init__(store, ids, curator, f"{verb} {plural(len(ids), 'poster')}", notify)
        self.status = status

    def apply(self) -> None:
        self.store.set_status(dict.fromkeys(self.ids, self.status), self.curator)

    def restore(self) -> None:
        self.store.set_status({i: s["status"] for i, s in self.before.items()}, self.curator)


class GenresCommand(CurationCommand):
    """Sets curator genres (``after``, fixed when the command is made); undo puts back each
    poster's labels as they were."""

    after: dict[int, list[str]]

    def apply(self) -> None:
        self.store.set_genres(self.after, self.curator)

    def restore(self) -> None:
        # ``None`` withdraws curator labels: an uncurated poster goes back to its source's.
        self.store.set_genres({i: s["genres"] for i, s in self.before.items()}, self.curator)


class ToggleGenreCommand(GenresCommand):
    """Turn one genre on for all posters (off when all have it); the result is fixed here."""

    def __init__(
        self, store: PosterStore, ids: Sequence[int], genre: str, curator: str, notify: Notify
    ) -> None:
        self.turn_on, self.after = store.genre_toggle(ids, genre)
        sign = "+" if self.turn_on else "−"
        text = f"{sign}{genre} on {plural(len(self.after), 'poster')}"
        super().__init__(store, ids, curator, text, notify)
        self.genre = genre


class AcceptModelCommand(GenresCommand):
    """Turn the model's view of the posters into curator genres.

    :param after: what :func:`poster_tool.core.final_genres.accepted` gives the scored
        posters (worked out beforehand, off the GUI thread for a large selection)
    """

    def __init__(
        self, store: PosterStore, after: Mapping[int, list[str]], curator: str, notify: Notify
    ) -> None:
        self.after = dict(after)
        super().__init__(
            store,
            list(self.after),
            curator,
            f"Accept the model on {plural(len(self.after), 'poster')}",
            notify,
        )


class SetSensitiveCommand(CurationCommand):
    """Mark posters sensitive with a reason, or clear the mark (``reason=None``)."""

    def __init__(
        self,
        store: PosterStore,
        ids: Sequence[int],
        reason: str | None,
        curator: str,
        notify: Notify,
    ) -> None:
        text = "Mark sensitive" if reason is not None else "Clear sensitive"
        super().__init__(store, ids, curator, f"{text}: {plural(len(ids), 'poster')}", notify)
        self.reason = reason

    def apply(self) -> None:
        self.store.set_sensitive(dict.fromkeys(self.ids, self.reason), self.curator)

    def restore(self) -> None:
        # A flag set without a reason (older data) comes back with a placeholder reason.
        self.store.set_sensitive(
            {
                i: None if s["sensitive"] is None else (s["sensitive"] or "unspecified")
                for i, s in self.before.items()
            },
            self.curator,
        )


class SetDefaultCommand(CurationCommand):
    """Make a poster its title's default (the previous default is remembered)."""

    def __init__(self, store: PosterStore, poster_id: int, curator: str, notify: Notify) -> None:
        super().__init__(store, [poster_id], curator, f"Make poster #{poster_id} default", notify)
        self.poster_id = poster_id
        self.title_id = store.get_poster(poster_id).title_id
        self.previous = store.get_title(self.title_id).default_poster_id

    def touched(self) -> list[int]:
        return [self.poster_id] + ([self.previous] if self.previous is not None else [])

    def apply(self) -> None:
        self.store.set_default(self.poster_id, self.curator)

    def restore(self) -> None:
        self.store.set_default(self.previous, self.curator, title_id=self.title_id)


class MarkReviewCommand(CurationCommand):
    """Put posters in the reviewer's queue; undo withdraws the marks."""

    def __init__(self, store: PosterStore, ids: Sequence[int], curator: str, notify: Notify):
        text = f"Mark {plural(len(ids), 'poster')} for review"
        super().__init__(store, ids, curator, text, notify)
        self.marks: list[int] = []

    def apply(self) -> None:
        self.marks = self.store.mark_needs_review(self.ids, self.curator)

    def restore(self) -> None:
        self.store.withdraw(self.marks, self.curator)


class ReviewCommand(CurationCommand):
    """A reviewer accepts or overrides the waiting edits of posters; undo makes them wait
    again (and puts an overridden poster's edits back)."""

    def __init__(
        self, store: PosterStore, ids: Sequence[int], decision: str, curator: str, notify: Notify
    ) -> None:
        waiting = list(store.pending_edits(ids))
        verb = "Accept" if decision == "accepted" else "Override"
        super().__init__(
            store, waiting, curator, f"{verb} edits of {plural(len(waiting), 'poster')}", notify
        )
        self.decision = decision
        self.decided: list[int] = []

    def apply(self) -> None:
        self.decided = self.store.review(self.ids, self.decision, self.curator)

    def restore(self) -> None:
        states = self.before if self.decision == "overridden" else None
        self.store.undo_review(self.decided, self.curator, states)


class RevertCommand(CurationCommand):
    """Put a poster back as it was right after one entry of its history."""

    def __init__(
        self, store: PosterStore, poster_id: int, entry_id: int, curator: str, notify: Notify
    ) -> None:
        text = f"Revert poster #{poster_id} to entry {entry_id}"
        super().__init__(store, [poster_id], curator, text, notify)
        self.after = {poster_id: store.state_after(poster_id, entry_id)}

    def apply(self) -> None:
        self.store.put_curation_state(self.after, self.curator)

    def restore(self) -> None:
        self.store.put_curation_state(self.before, self.curator)


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

    def apply(self) -> None:
        self.put(self.before, self.after)

    def restore(self) -> None:
        self.put(self.after, self.before)

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
        # The audit point of what the window shows: set when a workspace opens or the
        # window re-reads everything, moved on as other curators' edits are shown.
        self.point = 0

    def _notify(self, ids: list[int]) -> None:
        self.changed.emit(ids)

    def _push(self, command: CatalogCommand) -> None:
        # Told the failures of the first redo, and of every undo and redo later.
        command.failed = partial(self._on_command_failed, command)
        self.stack.push(command)

    def _on_command_failed(self, command: CatalogCommand, message: str) -> None:
        self.failed.emit(message)
        if isinstance(command.error, EditConflict):
            self.conflicted.emit()

    def _build(self, factory: Callable[[], CurationCommand]) -> CurationCommand | None:
        try:
            command = factory()
        except PosterToolError as exc:  # e.g. a poster deleted by another program
            self.failed.emit(str(exc))
            return None
        command.point = self.point  # the view the curator decided on
        return command

    def saw(self, point: int) -> None:
        """The window now shows the catalog as of audit point ``point`` (or later)."""
        self.point = max(self.point, point)

    def set_status(self, ids: Sequence[int], status: str) -> None:
        """Approve / reject / reset the posters (one undo step)."""
        if ids and (
            cmd := self._build(
                lambda: SetStatusCommand(self.store, ids, status, self.curator, self._notify)
            )
        ):
            self._push(cmd)

    def toggle_genre(self, ids: Sequence[int], genre: str) -> None:
        """Flip one genre on the posters (one undo step)."""
        if ids and (
            cmd := self._build(
                lambda: ToggleGenreCommand(self.store, ids, genre, self.curator, self._notify)
            )
        ):
            self._push(cmd)

    def accept_model(self, after: Mapping[int, list[str]]) -> int:
        """Make the model's genres the curator's (one undo step); how many posters it took.

        :param after: the curator genres each poster gets (``final_genres.accepted``)
        """
        if (
            after
            and (
                cmd := self._build(
                    lambda: AcceptModelCommand(self.store, after, self.curator, self._notify)
                )
            )
            and cmd.ids
        ):
            self._push(cmd)
            return len(cmd.ids)
        return 0

    def set_sensitive(self, ids: Sequence[int], reason: str | None) -> None:
        """Mark or clear the sensitive flag (one undo step)."""
        if ids and (
            cmd := self._build(
                lambda: SetSensitiveCommand(self.store, ids, reason, self.curator, self._notify)
            )
        ):
            self._push(cmd)

    def make_default(self, ids: Sequence[int]) -> None:
        """Make each poster its title's default and approve it (one undo step).

        With several posters of one title selected, the first one wins.
        """
        posters = {p.title_id: p for p in reversed(self.store.posters(list(ids)))}
        if not posters:
            return
        chosen = [p.id for p in posters.values()]
        self.stack.beginMacro(f"Make {plural(len(chosen), 'poster')} default")
        try:
            unapproved = [p.id for p in posters.values() if p.status != "approved"]
            if unapproved:
                self.set_status(unapproved, "approved")
            for poster_id in chosen:
                if cmd := self._build(
                    partial(SetDefaultCommand, self.store, poster_id, self.curator, self._notify)
                ):
                    self._push(cmd)
        finally:
            self.stack.endMacro()

    def mark_review(self, ids: Sequence[int]) -> None:
        """Put the posters in the reviewer's queue (one undo step)."""
        if ids and (
            cmd := self._build(
                lambda: MarkReviewCommand(self.store, ids, self.curator, self._notify)
            )
        ):
            self._push(cmd)

    def review(self, ids: Sequence[int], decision: str) -> int:
        """Accept or override the waiting edits of the posters (one undo step); how many
        posters had edits waiting."""
        if (
            ids
            and (
                cmd := self._build(
                    lambda: ReviewCommand(self.store, ids, decision, self.curator, self._notify)
                )
            )
            and cmd.ids
        ):
            self._push(cmd)
            return len(cmd.ids)
        return 0

    def revert_to(self, poster_id: int, entry_id: int) -> None:
        """Put a poster back as it was after a history entry (one undo step)."""
        if cmd := self._build(
            partial(RevertCommand, self.store, poster_id, entry_id, self.curator, self._notify)
        ):
            self._push(cmd)

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
