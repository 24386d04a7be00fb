"""Connections shared by the web app, the worker and the migration: the
database and Redis are found by their compose service names."""
import os

import psycopg2
import redis

QUEUE = "notes:queue"


def db():
    return psycopg2.connect(host=os.environ.get("DB_HOST", "db"), dbname=os.environ["POSTGRES_DB"],
                            user=os.environ["POSTGRES_USER"], password=os.environ["POSTGRES_PASSWORD"],
                            connect_timeout=5)


def cache():
    return redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379, decode_responses=True,
                       socket_timeout=5)
