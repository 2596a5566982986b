"""An installed colonykit, checked without a server (the release workflow runs it on every
platform): it imports, makes keys, and a call that cannot connect comes back, through the loop's
result inbox, as a colonykit exception (on Windows: the proactor loop, the threadsafe wake)."""

from __future__ import annotations

import asyncio
import sys

import colonykit


async def main() -> None:
    key = colonykit.generate_key()
    assert len(colonykit.key_id(key)) == 64
    async with colonykit.Client("http://127.0.0.1:9", key, timeout=5.0) as client:
        try:
            await client.server_info()
        except colonykit.ColonyError as error:
            print(f"the call failed as expected: {type(error).__name__}")
        else:
            raise SystemExit("a call to a closed port succeeded")
    loop = type(asyncio.get_running_loop()).__name__
    print(f"colonykit {colonykit.__version__} on Python {sys.version.split()[0]} ({loop}): ok")


asyncio.run(main())
