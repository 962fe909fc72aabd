"""Settings come from the environment only: embedded defaults and production."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Variables that switch Pufa away from its embedded defaults.
PUFA_VARIABLES = (
    "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG", "PUFA_TASKS",
    "AWS_STORAGE_BUCKET_NAME", "S3_BUCKET", "CDN_PURGE_URL", "CLOUDFLARE_ZONE_ID",
    "EMAIL_HOST", "CSRF_TRUSTED_ORIGINS",
)


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in PUFA_VARIABLES}
    env["PUFA_VAR_DIR"] = str(tmp_path / "var")
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings"
    env.update(extra)
    return env


def run_manage(env, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    env = clean_env(
        tmp_path,
        SECRET_KEY="pufa-production-" + "k3y-" * 12 + "Zq8!xT",
        ALLOWED_HOSTS="pufa.example.cn,www.pufa.example.cn",
        CSRF_TRUSTED_ORIGINS="https://pufa.example.cn",
        DATABASE_URL="postgres://pufa:secret@db.internal:5432/pufa",
        REDIS_URL="redis://127.0.0.1:6379/9",
        AWS_STORAGE_BUCKET_NAME="pufa-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        CDN_PURGE_URL="http://127.0.0.1:9/purge",
        PUFA_BASE_URL="https://pufa.example.cn",
    )
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_embedded_settings_with_no_variables(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default']['ENGINE'],"
        "'db_name': str(s.DATABASES['default']['NAME']),"
        "'cache': s.CACHES['default']['BACKEND'], 'pages': s.CACHES['pages']['BACKEND'],"
        "'tasks': s.TASKS['default']['BACKEND'], 'storage': s.STORAGES['default']['BACKEND'],"
        "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'first': s.MIDDLEWARE[0],"
        "'purge': s.WAGTAILFRONTENDCACHE}));"
        "from django.core.management import call_command; call_command('check')"
    )
    env = clean_env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("{"))
    values = json.loads(line)
    assert values["debug"] is True
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["db_name"].startswith(str(tmp_path / "var"))
    assert values["cache"].endswith("LocMemCache")
    assert values["pages"].endswith("FileBasedCache")
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"
    assert values["storage"].endswith("FileSystemStorage")
    assert values["lang"] == "zh-hans" and values["tz"] == "Asia/Shanghai"
    assert values["first"] == "cms.caching.PageCacheMiddleware"
    assert values["purge"] == {}
    assert "System check identified no issues" in result.stdout
