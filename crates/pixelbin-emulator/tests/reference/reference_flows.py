"""Runs the documented flows of the reference Python SDK (PyPI pixelbin==4.3.0), unchanged,
against a pixelbin-emulator.

Usage: python reference_flows.py BASE_URL API_SECRET
Exits non-zero with a message on the first flow that does not behave as documented.
"""

import asyncio
import io
import sys
import urllib.request

from pixelbin import PixelbinClient, PixelbinConfig

PLAYGROUND = (
    "https://cdn.pixelbin.io/v2/dummy-cloudname/original/__playground/playground-default.jpeg"
)
QUICK = {"maxAttempts": 30, "retryFactor": 1, "retryInterval": 1.0}


def check(condition, what, value=None):
    if not condition:
        raise SystemExit(f"FAILED: {what}: {value!r}")
    print(f"ok: {what}")


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return response.read()


def png_bytes():
    # The emulator's own playground image is a real JPEG; any bytes labelled as an image work.
    return fetch(PLAYGROUND_ON_EMULATOR)


def main():
    global PLAYGROUND_ON_EMULATOR
    base, secret = sys.argv[1], sys.argv[2]
    PLAYGROUND_ON_EMULATOR = f"{base}/v2/dummy-cloudname/original/__playground/playground-default.jpeg"
    pixelbin = PixelbinClient(config=PixelbinConfig({"domain": base, "apiSecret": secret}))
    image = png_bytes()

    # predictions.create with a file (multipart), then get and wait.
    job = pixelbin.predictions.create(
        name="erase_bg",
        input={
            "image": image,
            "industry_type": "general",
            "quality_type": "original",
            "shadow": "false",
            "refine": "true",
        },
        webhook="https://example.com/webhook",
    )
    check(job.get("status") == "ACCEPTED", "create (file) is ACCEPTED", job)
    check(job["_id"].startswith("erase--bg--"), "create returns an erase--bg-- id", job["_id"])
    details = pixelbin.predictions.get(job["_id"])
    check(details.get("status") in ("ACCEPTED", "SUCCESS"), "get answers", details)
    result = pixelbin.predictions.wait(job["_id"], QUICK)
    check(result.get("status") == "SUCCESS", "wait reaches SUCCESS", result)
    output = fetch(result["output"][0])
    check(output.startswith(b"\x89PNG"), "output URL serves a PNG", output[:8])
    check(result.get("consumedCredits") == 1, "consumedCredits", result.get("consumedCredits"))

    # predictions.create with a URL (JSON body), README example 1.
    job = pixelbin.predictions.create(
        name="erase_bg",
        input={
            "image": PLAYGROUND,
            "industry_type": "general",
            "quality_type": "original",
            "shadow": False,
            "refine": True,
        },
    )
    check(job["input"]["image"] == PLAYGROUND, "create (URL) echoes the input", job["input"])
    result = pixelbin.predictions.wait(job["_id"])
    check(result.get("status") == "SUCCESS", "wait with default options", result)

    # create_and_wait, sync and async.
    result = pixelbin.predictions.create_and_wait(
        name="erase_bg",
        input={"image": image},
        options={"maxAttempts": 60, "retryFactor": 1, "retryInterval": 2.0},
    )
    check(result.get("status") == "SUCCESS", "create_and_wait", result)
    result = asyncio.get_event_loop().run_until_complete(
        pixelbin.predictions.create_and_waitAsync(
            name="erase_bg", input={"image": io.BytesIO(image)}, options=QUICK
        )
    )
    check(result.get("status") == "SUCCESS", "create_and_waitAsync with a stream", result)

    # A job without an image fails, as documented.
    result = pixelbin.predictions.create_and_wait(
        name="erase_bg", input={"industry_type": "general"}, options=QUICK
    )
    check(result.get("status") == "FAILURE", "job without image fails", result)
    check(result.get("error") == "image not found", "failure error text", result.get("error"))

    # list and get_schema.
    items = pixelbin.predictions.list()
    check(any(i["name"] == "erase_bg" for i in items), "list includes erase_bg", items)
    schema = pixelbin.predictions.get_schema("erase_bg")
    check(schema.get("name") == "erase_bg", "get_schema name", schema.get("name"))
    check(
        schema["input"]["properties"]["image"]["imageValidation"]["maxSize"] == 26214400,
        "get_schema imageValidation",
        schema["input"]["properties"]["image"],
    )
    try:
        pixelbin.predictions.get_schema("nope_nope")
        raise SystemExit("FAILED: unknown schema did not raise")
    except Exception as error:  # PixelbinServerResponseError
        check(getattr(error, "status_code", None) == 404, "unknown schema is a 404", error)

    # uploader.upload of bytes, several parts, concurrency 2 (README "Uploading a Buffer").
    data = bytes((i * 7) % 256 for i in range(12 * 1024 * 1024 + 123))
    result = pixelbin.uploader.upload(
        file=data,
        name="myimage",
        path="folder",
        format="png",
        tags=[],
        metadata={},
        overwrite=False,
        filenameOverride=True,
        access="public-read",
        uploadOptions={
            "chunkSize": 5 * 1024 * 1024,
            "concurrency": 2,
            "maxRetries": 1,
            "exponentialFactor": 2,
        },
    )
    check(result["fileId"] == "folder/myimage.png", "upload (bytes) fileId", result)
    check(fetch(result["url"]) == data, "uploaded bytes are served exactly", result["url"])

    # uploader.upload of a stream (README "Uploading a Stream"), async form.
    stream_data = bytes(range(256)) * 40_000
    result = asyncio.get_event_loop().run_until_complete(
        pixelbin.uploader.uploadAsync(
            file=io.BytesIO(stream_data),
            name="streamed",
            path="folder",
            format="bin",
            overwrite=True,
            uploadOptions={"chunkSize": 3 * 1024 * 1024, "concurrency": 3, "maxRetries": 2, "exponentialFactor": 2},
        )
    )
    check(result["size"] == len(stream_data), "upload (stream) size", result)
    check(fetch(result["url"]) == stream_data, "streamed bytes are served exactly", result["url"])

    # assets.listFiles, plain and with the documented filters.
    listing = pixelbin.assets.listFiles()
    check("items" in listing and "page" in listing, "listFiles shape", listing)
    check(any(i["name"] == "folder" for i in listing["items"]), "listFiles shows the folder", listing)
    listing = asyncio.get_event_loop().run_until_complete(
        pixelbin.assets.listFilesAsync(path="folder", onlyFiles=True, pageNo=1, pageSize=1, sort="name")
    )
    check(listing["page"]["itemTotal"] == 2, "listFiles path filter", listing["page"])
    check(listing["page"]["hasNext"] is True, "listFiles paging", listing["page"])

    # A few more platform calls, as documented.
    info = pixelbin.organization.getAppOrgDetails()
    check("app" in info and "org" in info, "getAppOrgDetails", info)
    default = pixelbin.assets.getDefaultAssetForPlayground()
    check(default["fileId"] == "__playground/playground-default.jpeg", "playground default", default)
    folder = pixelbin.assets.createFolder(name="subDir", path="folder")
    check(folder["name"] == "subDir", "createFolder", folder)
    ancestors = pixelbin.assets.getFolderAncestors(_id=folder["_id"])
    check([a["name"] for a in ancestors["ancestors"]] == ["folder"], "getFolderAncestors", ancestors)
    preset = pixelbin.assets.addPreset(presetName="p1", transformation="t.flip()", params={})
    check(preset["presetName"] == "p1", "addPreset", preset)
    presets = pixelbin.assets.getPresets(pageNo=1, pageSize=10)
    check(presets["page"]["itemTotal"] == 1, "getPresets", presets)
    direct = pixelbin.assets.fileUpload(
        file=io.BytesIO(image), path="direct", name="photo", tags=["a", "b"], metadata={"k": 1},
        overwrite=False, filenameOverride=True, access="private",
    )
    check(direct["fileId"].startswith("direct/photo"), "fileUpload", direct)
    check(direct["tags"] == ["a", "b"], "fileUpload tags", direct["tags"])
    tagged = pixelbin.assets.listFiles(tags=["a", "b"])
    check(tagged["page"]["itemTotal"] == 1, "listFiles tags[0]/tags[1]", tagged["page"])
    copied = pixelbin.assets.urlUpload(url=direct["url"], path="copies", name="copy")
    check(fetch(copied["url"]) == image, "urlUpload copies bytes", copied)
    signed = pixelbin.assets.createSignedUrlV2(name="x", path="p", format="jpeg", expiry=60)
    check("x-pixb-meta-assetdata" in signed["presignedUrl"]["fields"], "createSignedUrlV2", signed)
    context = pixelbin.transformation.getTransformationContext(
        url=f"{base}/v2/dummy-cloudname/t.resize(w:100)/__playground/playground-default.jpeg"
    )
    check(context["context"]["steps"][0]["operation"] == "resize", "getTransformationContext", context)
    print("ALL FLOWS PASSED")


if __name__ == "__main__":
    main()
