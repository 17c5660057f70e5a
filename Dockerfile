# Intercoop production image: one image for every part (web, worker, beat, smtp);
# docker-compose.yml chooses the part with the command. Compiled translations (.mo)
# are committed, so no compilemessages here; gettext stays for `manage.py makemessages`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INTERCOOP_DATA_DIR=/srv/intercoop

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system intercoop \
    && useradd --system --gid intercoop --home-dir /app --shell /usr/sbin/nologin intercoop

WORKDIR /app
COPY . /app
RUN pip install -e . \
    && mkdir -p /srv/intercoop \
    && chown -R intercoop:intercoop /srv/intercoop

# The data dir (secret key if none is given, celery beat schedule, outbox; attachments,
# large raw messages and DKIM keys unless INTERCOOP_S3_BUCKET puts them in a bucket).
# Created and owned above so that a new named volume starts writable by the app user.
VOLUME ["/srv/intercoop"]

USER intercoop

# 8000: HTTP + websockets (intercoop web); 2525: SMTP gateway (intercoop smtp).
EXPOSE 8000 2525

CMD ["intercoop", "web", "--host", "0.0.0.0", "--port", "8000"]
