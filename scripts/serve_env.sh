# Sourced by scripts/serve.sh: the environment `make run` serves with.
# DEBUG off unless asked for (`make dev` or DEBUG=1): nobody ever sees a traceback. With it off,
# Django needs a secret key: generated once into var/secret_key (mode 600) and reused, so
# sessions survive a restart. WhiteNoise serves static files either way. This is plain HTTP on
# this machine, so no HTTPS redirect or secure-only cookies unless set (deploy/ sets them).
export DEBUG=${DEBUG:-0}
if [ "$DEBUG" = 0 ] && [ -z "${SECRET_KEY:-}" ]; then
  key_file=${SECRET_KEY_FILE:-var/secret_key}
  mkdir -p "$(dirname "$key_file")"
  if [ ! -s "$key_file" ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))' >"$key_file")
  fi
  SECRET_KEY=$(cat "$key_file")
  export SECRET_KEY
  export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-0} \
    CSRF_COOKIE_SECURE=${CSRF_COOKIE_SECURE:-0} SECURE_HSTS_SECONDS=${SECURE_HSTS_SECONDS:-0}
fi
