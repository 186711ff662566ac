"""The README's verify snippet, run as a partner would run it, accepts Patron's deliveries and nothing else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support import Api
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import hooks_partner, send, subscribe

README = Path(__file__).resolve().parents[2] / "README.md"


def _verify() -> Any:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    [snippet] = [block for block in blocks if "def verify(" in block]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # noqa: S102 (the README's own code)
    return namespace["verify"]


async def test_the_readme_snippet_verifies_a_real_delivery(api: Api, receiver: Receiver) -> None:
    verify = _verify()
    hooks = await hooks_partner(api)
    _, secret = await subscribe(api, hooks, receiver.url, ["POINTS_EARNED"])
    member = await api.member()
    await api.purchase(await api.partner(), member.email or "", "42.00")
    await send()

    [request] = receiver.received
    timestamp, signature = request.headers["x-patron-timestamp"], request.headers["x-patron-signature"]
    assert verify(secret, timestamp, signature, request.body)
    assert not verify(secret, timestamp, signature, request.body.replace(b"42", b"99"))
    assert not verify("whsec_someone-else", timestamp, signature, request.body)
    assert not verify(secret, str(int(timestamp) - 3600), signature, request.body)
