"""The S3 side of the Security Lake tests (tests/lake.rs).

  python s3.py serve PORT        moto's S3 on 127.0.0.1:PORT with authentication on: creates a
                                 user, its key and the bucket `lake`, prints one JSON line
                                 {"access_key_id", "secret_access_key"}, then serves until killed
  python s3.py proxy PORT TARGET [DIE_AFTER]
                                 forwards 127.0.0.1:PORT to 127.0.0.1:TARGET; with DIE_AFTER, the
                                 process dies (os._exit, no goodbye) once DIE_AFTER bytes of PUT
                                 bodies have passed: a server gone in the middle of an upload
  python s3.py download PORT KEY SECRET BUCKET PREFIX DIR
                                 every object under PREFIX into DIR (PREFIX cut off)
"""
import json
import os
import pathlib
import socket
import sys
import threading


def serve(port):
    # Requests before authentication starts: CreateUser, PutUserPolicy, CreateAccessKey.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
    from moto.server import ThreadedMotoServer
    import boto3

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    anon = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    iam = boto3.client("iam", **anon)
    iam.create_user(UserName="mwsiem")
    iam.put_user_policy(UserName="mwsiem", PolicyName="s3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="mwsiem")["AccessKey"]
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    s3.create_bucket(Bucket="lake")
    print(json.dumps({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}), flush=True)
    threading.Event().wait()


def proxy(port, target, die_after):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    passed = [0]
    lock = threading.Lock()
    print("ready", flush=True)

    def pump(src, dst, upstream):
        in_put = False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upstream:
                    if data.startswith(b"PUT "):
                        in_put = True
                    elif data[:4] in (b"GET ", b"HEAD", b"POST", b"DELE"):
                        in_put = False
                    if in_put and die_after is not None:
                        with lock:
                            passed[0] += len(data)
                            if passed[0] >= die_after:
                                dst.sendall(data[: len(data) // 2])
                                os._exit(0)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    while True:
        client, _ = listener.accept()
        server = socket.create_connection(("127.0.0.1", target))
        threading.Thread(target=pump, args=(client, server, True), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, False), daemon=True).start()


def download(port, key, secret, bucket, prefix, out):
    import boto3

    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                      aws_access_key_id=key, aws_secret_access_key=secret)
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            path = pathlib.Path(out) / o["Key"][len(prefix):].lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, o["Key"], str(path))
            n += 1
    print(n)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(int(args[0]))
    elif cmd == "proxy":
        proxy(int(args[0]), int(args[1]), int(args[2]) if len(args) > 2 else None)
    elif cmd == "download":
        download(int(args[0]), *args[1:6])
