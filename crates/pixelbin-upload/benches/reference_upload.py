"""Uploads a file with the reference Python SDK (pixelbin==4.3.0) and prints
one JSON line: {"bytes", "seconds", "mb_per_s", "parts_seconds",
"parts_mb_per_s", "cpu_seconds", "peak_rss_bytes"}.

Run by benches/upload_1gib.rs against the same emulator as the Rust client:

    python reference_upload.py --domain http://127.0.0.1:PORT --file /tmp/data.bin

Default upload options (10 MiB chunks, concurrency 3, 2 retries), a file
object as the source (the SDK reads it one wave of chunks at a time).
"""

import argparse
import asyncio
import json
import os
import resource
import time

from pixelbin import PixelbinClient, PixelbinConfig
from pixelbin.common.aiohttp_helper import AiohttpHelper

# Timing only: note when each part PUT returns, to split the time between the
# parts and the completion (where the server assembles the file). The SDK's
# behaviour is unchanged.
_last_put_done = [0.0]
_original_request = AiohttpHelper.request


async def _timed_request(self, method, url, *args, **kwargs):
    response = await _original_request(self, method, url, *args, **kwargs)
    if method.lower() == "put":
        _last_put_done[0] = time.perf_counter()
    return response


AiohttpHelper.request = _timed_request


async def upload(domain: str, path: str) -> dict:
    client = PixelbinClient(
        config=PixelbinConfig({"domain": domain, "apiSecret": "bench-secret"})
    )
    size = os.path.getsize(path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    with open(path, "rb") as f:
        started = time.perf_counter()
        result = await client.uploader.uploadAsync(
            file=f, name="reference", path="bench", overwrite=True
        )
        seconds = time.perf_counter() - started
    if result.get("size") not in (None, size):
        raise SystemExit(f"stored size {result.get('size')} != {size}")
    parts_seconds = _last_put_done[0] - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    # ru_maxrss is in KiB on Linux.
    peak = usage.ru_maxrss * 1024
    return {
        "bytes": size,
        "seconds": seconds,
        "mb_per_s": size / seconds / 1e6,
        "parts_seconds": parts_seconds,
        "parts_mb_per_s": size / parts_seconds / 1e6,
        "cpu_seconds": cpu,
        "peak_rss_bytes": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domain", required=True)
    parser.add_argument("--file", required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(upload(args.domain, args.file))))


if __name__ == "__main__":
    main()
