"""minyi: the Chalice app. Middleware and blueprints only; the work is in chalicelib/."""

from chalice import Chalice

# each api module adds its routes to the blueprint of the audience it serves (api/audiences.py)
from chalicelib.api import (  # noqa: F401
    audiences,
    catalog,
    citizen,
    duplicates,
    evaluation,
    followup,
    http,
    knowledge,
    open311,
    partners,
    public,
    reviews,
    staff,
    supervision,
    webhooks,
)
from chalicelib.api import measures as measure_api  # noqa: F401
from chalicelib.jobs import (
    admin,
    calendar,
    escalation,
    gauges,
    inbound,
    lifecycle,
    orders,
    outbox,
    reminders,
    survey,
)
from chalicelib.jobs import console as console_jobs
from chalicelib.jobs import knowledge as knowledge_jobs
from chalicelib.jobs import measures as measure_jobs
from chalicelib.jobs import partners as partner_jobs
from chalicelib.middleware import powertools

app = Chalice(app_name="minyi")
# the measures report on demand (Accept: ...spreadsheetml.sheet) is a binary response
app.api.binary_types = ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
# Powertools on every function, HTTP or not (Lambda context, correlation id, metrics flush);
# registered first, so it wraps the HTTP edge's own middleware too
app.register_middleware(powertools, "all")
http.register(app)
for audience in audiences.ALL:          # one blueprint per audience, under its URL prefix
    app.register_blueprint(audience, url_prefix=audience.url_prefix)
# the jobs: schedules, stream and queue consumers, admin functions (one module a capability)
for jobs in (admin, lifecycle, reminders, gauges, outbox, survey, inbound, calendar, escalation,
             knowledge_jobs, measure_jobs, orders, partner_jobs,
             console_jobs):
    app.register_blueprint(jobs.bp)
