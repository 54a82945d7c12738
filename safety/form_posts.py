"""The one shape of the ledger pages' form POSTs (safety.views, safety.views_work): the record is
already looked up in the user's scope by the view; a bound form is validated, one service is
called with its data, the outcome becomes a message, and the browser goes back to the part of
the page it came from. A refusal is a message, never a 500 or a half-written record: the
services are atomic."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from core.errors import DomainError


def field_errors(form) -> str:
    """Each error with its field's label, the form's own errors as they are."""
    return " ".join(
        f"{form.fields[k].label}: {' '.join(v)}" if k in form.fields else " ".join(v)
        for k, v in form.errors.items()
    )


def plain_errors(form) -> str:
    """The errors alone, without their fields' labels (forms whose errors name the field already)."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def form_post(
    request,
    form,
    act: Callable[[dict], object],
    *,
    done,
    to: str,
    errors: Callable[[object], str] = field_errors,
):
    """`act(cleaned_data)` calls the service when the form is valid (no form: called with {});
    `done` is the success message, or a callable making it from the service's result; `errors`
    words an invalid form; `to` is where to go back (a URL with its anchor)."""
    if form is not None and not form.is_valid():
        messages.error(request, errors(form))
        return redirect(to)
    try:
        result = act(form.cleaned_data if form is not None else {})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect(to)
