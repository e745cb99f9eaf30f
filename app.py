"""minyi: the Chalice app. Middleware and blueprints only; the work is in chalicelib/."""

from chalice import Chalice

from chalicelib.api import (
    catalog,
    citizen,
    duplicates,
    evaluation,
    http,
    knowledge,
    open311,
    public,
    reviews,
    staff,
    supervision,
    webhooks,
)
from chalicelib.api import measures as measure_api
from chalicelib.jobs import (
    admin,
    calendar,
    escalation,
    gauges,
    inbound,
    lifecycle,
    outbox,
    reminders,
    survey,
)
from chalicelib.jobs import knowledge as knowledge_jobs
from chalicelib.jobs import measures as measure_jobs
from chalicelib.middleware import powertools

app = Chalice(app_name="minyi")
# the measures report on demand (Accept: ...spreadsheetml.sheet) is a binary response
app.api.binary_types = ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
# Powertools on every function, HTTP or not (Lambda context, correlation id, metrics flush);
# registered first, so it wraps the HTTP edge's own middleware too
app.register_middleware(powertools, "all")
http.register(app)
app.register_blueprint(citizen.bp)
app.register_blueprint(catalog.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(supervision.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(lifecycle.bp)
app.register_blueprint(reminders.bp)
app.register_blueprint(gauges.bp)
app.register_blueprint(outbox.bp)
app.register_blueprint(evaluation.bp)
app.register_blueprint(reviews.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(measure_api.bp)
app.register_blueprint(survey.bp)
app.register_blueprint(inbound.bp)
app.register_blueprint(calendar.bp)
app.register_blueprint(duplicates.bp)
app.register_blueprint(escalation.bp)
app.register_blueprint(public.bp)
app.register_blueprint(open311.bp)
app.register_blueprint(knowledge.bp)
app.register_blueprint(knowledge_jobs.bp)
app.register_blueprint(measure_jobs.bp)
