"""Load generator, run in its own process by bench.procs.load (spec as JSON on stdin).

Sends the same POSTs (one after the other: one iteration) from `concurrency` workers until
`requests` have been sent or `seconds`
have passed; prints the latencies, the errors and the elapsed time as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx


async def main() -> None:
    spec = json.loads(sys.stdin.read())
    latencies: list[float] = []
    errors: list[str] = []
    sent = 0
    deadline = time.monotonic() + float(spec["seconds"])
    limits = httpx.Limits(
        max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"]
    )
    async with httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=60) as http:

        async def worker() -> None:
            nonlocal sent
            while sent < spec["requests"] and time.monotonic() < deadline:
                sent += 1
                start = time.perf_counter()
                try:
                    for body in spec["bodies"]:
                        response = await http.post("/graphql", json=body, headers=spec["headers"])
                        if response.status_code != 200 or "errors" in response.json():
                            errors.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                    continue
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(spec["concurrency"])))
        elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "latencies": latencies,
                "errors": errors[:20],
                "error_count": len(errors),
                "elapsed": elapsed,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
