"""The web pages: server-rendered HTML for people, beside the JSON API, in the same app.

The pages call the same application services, read models and `domain/policy.py` as the JSON
API (`service/http/routes/`), so no rule is written twice: a page is another door to the
same rooms. Nothing here runs JavaScript; every page works with plain links and forms.

What is where:

- `site.py`: `install_pages(app, secret)`, called by the composition root
  (`service/bootstrap/api.py`): the routers, `/static`, and the HTML answers to a page's
  refusals (login needed, not allowed, not found).
- `session.py`: the session, a cookie signed with itsdangerous (HttpOnly, SameSite=Lax,
  Secure unless the service is served on a loopback address): the user's bearer token (so
  deactivation and expiry work exactly as for the API), the chosen language, the CSRF token.
- `kit.py`: `Page`, the dependency every page route takes (`AnyPage` for anyone, `SignedIn`
  for a logged-in user): `page.render(...)`, `page.redirect(...)`, `page.form()` (checks the
  CSRF token), `page.submitted(form, call)` (runs the call once per rendered form: the form's
  `form_key` is its Idempotency-Key, through `service/app/idempotency.py`; "send it again" —
  a transient refusal such as `TryAgain`, or the workflow service not answering (the step
  may be saved already) — comes back as a 503 outcome kept under no key, so the form's page
  is rendered again with the message beside the form, answered 503 with `Retry-After`; the
  form's key is kept as `page.again_key`, so the refused form, rendered with it again, is
  sent again under the same command id), `page.require(...)`, `page.may(...)` (for a link to
  a page the user may open).
- `rendering.py`: one Jinja2 environment per language, with the i18n extension over
  `service.i18n.translations(lang)` and babel filters `date`, `datetime`, `number`; the
  global `STEP_TITLES` is `service/i18n/labels.py`'s, translated (the e-mails name the steps
  from the same mapping), read by templates through `_labels.html`.
- `refusals.py`: a refusal as people read it: from the `refusals.po` catalog by its code and
  parameters, else the domain's English reason; a size warning likewise, from `warnings.po`
  (one recorded as text before codes: its words as recorded), which every page's context
  holds as `worded_warning(warning)` (`kit.Page.render`).
- `templates/`: `base.html` (landmarks, skip link, language switcher, the user's menu) and a
  template per page; `static/site.css`.
- The routers: `auth.py` (login, logout, language), `public.py` (home, directory, certificate
  check), `statistics.py` (the programme statistics: bar charts laid out by `charts.py` and
  drawn as SVG by `templates/_chart.html`, each beside a table of its figures), `expert.py`
  (worklist, registering an enterprise), `journey.py` (a journey, its timeline and its step
  forms), `trainer.py` (my journeys, my standing),
  `trainer_materials.py` (my training materials, each downloaded by a form whose key is the
  download's command id, so a form sent twice records one download).
  The office's pages are `office.py`, `office_logins.py` (a person's login: reset,
  deactivate, activate), `office_workshops.py` (ToT workshops: schedule, enrol, reschedule,
  cancel), `office_person.py` (a person: edit, merge, move a journey to another expert),
  `office_records.py` (importing past records from a CSV file, erasing a person's personal
  data), `office_policies.py` (the policy versions: read, record one) and `office_webhooks.py`
  (subscriptions, the deliveries that gave up, redelivery); the auditor's are `auditor.py`.
  A journey's corrections are forms on its page (`journey.py`,
  `templates/_correction_forms.html`).

How to add a page:

1. A route in a router module here (or a new module, added to `ROUTERS` in `site.py`), on an
   `APIRouter(include_in_schema=False)`: pages are not part of the JSON API's OpenAPI (the
   role matrix and the fuzz suite read that). Pick a path no JSON route has (the JSON API
   owns `/journeys`, `/trainers`, `/workshops`, `/enterprises`, `/worklist`, `/standings`,
   `/auth`, `/public`, `/audit`, `/health`).
2. Take `page: SignedIn` (or `AnyPage`) and the reads you need (`FreshReads` from
   `service/http/reading.py` for a logged-in reader). Check who may see it with
   `page.require(Action.X, About(...))`, the same action as the JSON endpoint (or, where the
   endpoint checks only its door and leaves the relation to the domain,
   `page.at_the_door(Action.X)`).
3. Answer `page.render("x.html", title=..., ...)`. The template extends `base.html`, puts its
   content in `{% block main %}`, starts with one `<h1>`, labels every field (`<label for>`),
   and writes every text as `{{ _("...") }}` (new-style gettext: `_("%(n)s left", n=3)`).
4. A form that changes something is `method="post"` and includes
   `{% include "_form_keys.html" %}` (the CSRF token and a fresh idempotency key). Its
   handler reads `form = await page.form()` and answers
   `await page.submitted(form, call)`, where `call(command_id)` returns a `StoredResponse`
   (as the JSON routes do); on success redirect (303) to the page that shows the result,
   on a refusal (any status of 300 or more, the 503 of "send it again" among them) render
   the form again with `refusal=page.refusal(outcome)` beside it, the values sent, and that
   status. Around the refused form's `_form_keys.html` set `again_here` true
   (`{% set again_here = refused == "x" %}`): on a 503 it then carries the key it was sent
   with (`again_key`), not a new one, so sending it again cannot write twice; set it on that
   form only, never on a sibling form of the page; fields
   the request model refuses (`ValidationError`) with `page.wrong_fields(invalid)`, each
   said in the reader's language.
5. Link it where its readers start: `templates/_menu.html` (the header's menu) and
   `templates/home.html` ("Your work"), under the role it is for (`user.role.value`); a
   role's start page after logging in is `auth.py::START_PAGES`.
6. Add every new message to `service/i18n/locales/{en,fr,es}/LC_MESSAGES/pages.po` (the
   statistics' own to `statistics.po`)
   (tests/i18n fails on one missing; tests/pages checks the templates against the catalog).
"""
