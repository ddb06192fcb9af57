"""Uploads every file of a folder with the reference Python SDK (pixelbin==4.3.0) the way
its users do for a folder: `uploader.uploadAsync` on each file, `--in-flight` (16) at a time
with asyncio, one client. Prints one JSON line: {"files", "bytes", "seconds"}.

Run by `cargo xtask bench upload` (its many-small-files point) against the same emulator
as the Rust client:

    python reference_upload_many.py --domain http://127.0.0.1:PORT --dir /tmp/files
"""

import argparse
import asyncio
import json
import os
import time

from pixelbin import PixelbinClient, PixelbinConfig


async def upload_all(domain: str, folder: str, in_flight: int, path: str) -> dict:
    client = PixelbinClient(
        config=PixelbinConfig({"domain": domain, "apiSecret": "bench-secret"})
    )
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    gate = asyncio.Semaphore(in_flight)
    total = 0

    async def one(name: str) -> None:
        nonlocal total
        async with gate:
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            result = await client.uploader.uploadAsync(
                file=data,
                name=os.path.splitext(name)[0],
                path=path,
                overwrite=True,
            )
            if result.get("size") not in (None, len(data)):
                raise SystemExit(f"{name}: stored size {result.get('size')} != {len(data)}")
            total += len(data)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in names))
    return {"files": len(names), "bytes": total, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domain", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--path", default="bench-many-reference")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(upload_all(args.domain, args.dir, args.in_flight, args.path))))


if __name__ == "__main__":
    main()
