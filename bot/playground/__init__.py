"""The local playground: the whole office on one machine, in a browser, with no token.

With no BOT_TOKEN, ``./scripts/start`` (``python -m bot``) and ``python -m bot playground``
start the real bot (:class:`bot.app.BotRuntime`: the same handlers, store, outbox, rendering,
signing and verify pages) against a Bot API server on loopback (the :mod:`loopback`
package, the tests' own), and serve a page beside the verify pages that shows a holder's
private chat, the staff group (as its reviewer or its signer) and a verifier.

:mod:`bot.playground.office` wires it (who is who, the settings, the world kept in
DATA_DIR); :mod:`bot.playground.site` is the page's HTTP side; ``assets/`` the page itself.
"""

from bot.playground.office import Playground

__all__ = ["Playground"]
