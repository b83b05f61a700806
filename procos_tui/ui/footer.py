"""The footer every screen shows: Textual's, with only the keys that fit whole.

Textual's footer clips its last key at the right edge ("d Dele", "q Qui"): a key half shown
reads as another key or none. This one lays the keys out, then hides each key that would not
fit whole beside the command palette's; `?` lists every key of the screen, hidden or not.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Keys just recomposed (a modal screen opened above, the bindings changed) may not be laid out
# after one refresh: fitting is tried again this often, this many times, until they are.
_FIT_RETRY_S = 0.05
_FIT_TRIES = 20


class WholeFooter(Footer):
    _fit_tries = 0

    async def recompose(self) -> None:
        await super().recompose()
        self._fit_tries = 0
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        for key in self.query(FooterKey):
            key.display = True  # laid out again at the new width, then fitted
        self._fit_tries = 0
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if not self.region.width:
            return  # not laid out yet: the resize that lays it out fits it
        keys = [k for k in self.query(FooterKey) if not k.has_class("-command-palette")]
        palette = [k for k in self.query(FooterKey) if k.has_class("-command-palette")]
        if keys and not any(k.region.width for k in keys):
            # None laid out yet: fitted on zero regions, nothing would hide.
            self._fit_tries += 1
            if self._fit_tries <= _FIT_TRIES:
                self.set_timer(_FIT_RETRY_S, self._fit)
            return
        right = min([k.region.x for k in palette] or [self.region.right])
        hidden = False
        for key in keys:
            # A key past the edge has no region at all. Each key ends in a blank cell, which
            # the palette may cover: its text stays whole.
            hidden = hidden or not key.region.width or key.region.right - 1 > right
            if hidden and key.display:
                key.display = False
