"""Alarms and the operations dashboard.

Business metrics are EMF metrics in the ``Minyi`` namespace, written by the app through
``chalicelib.observability.count`` (every metric carries ``service`` = POWERTOOLS_SERVICE_NAME,
which infra sets to ``minyi-<stage>``). The names below are the contract with the app:

=================  ===================  =======================================================
metric             extra dimensions     emitted
=================  ===================  =======================================================
TicketsSubmitted   channel, type        on each accepted submission (intake)
OpenTickets        light                gauge, by the reminders job: open tickets per light
OverdueTickets     -                    gauge, by the reminders job: open and overdue
Evaluations        rating               on each citizen evaluation (very_satisfied ...)
SurveysSent        -                    on each callback survey sent
SurveysAnswered    -                    on each survey answered
HolidaysNextYear-  -                    gauge, daily by the calendar_watch job: 1 from December
Unknown                                 while next year's State Council holidays are unknown
MeasureRate        measure, level       gauge, hourly (measures job): 三率 and composite, % over
                                        30 days, for the city (level=all) and per unit level
OverdueOpen        level                gauge, hourly: overdue tickets not replied, per level
HotspotsOpen       -                    gauge, hourly: hotspots of the current week and month
=================  ===================  =======================================================

The measure gauges have a ``level`` dimension (5 values), never a unit: the number of metrics,
and their cost, does not grow with the number of units (docs/measures.md).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions

from .api import Api
from .base import Layer
from .messaging import OUTBOX_FAILED, Messaging
from .stages import StageConfig

NAMESPACE = "Minyi"
SUBMITTED = "TicketsSubmitted"
OPEN = "OpenTickets"
OVERDUE = "OverdueTickets"
EVALUATIONS = "Evaluations"
SURVEYS_SENT = "SurveysSent"
SURVEYS_ANSWERED = "SurveysAnswered"
HOLIDAYS_UNKNOWN = "HolidaysNextYearUnknown"      # services/calendar_notice.UNKNOWN_METRIC
PARTNERS_STUCK = "PartnerCallbacksStuck"          # services/partners.STUCK_METRIC
MEASURE_RATE = "MeasureRate"
OVERDUE_OPEN = "OverdueOpen"
HOTSPOTS = "HotspotsOpen"
THREE_RATES = (("response_rate", "响应率 response"), ("resolution_rate", "解决率 resolution"),
               ("satisfaction_rate", "满意率 satisfaction"), ("composite", "composite"))
ONE_HOUR = Duration.hours(1)
FIVE_MINUTES = Duration.minutes(5)


class Monitoring(Layer):
    """The alarms (to the alerts topic) and the operations dashboard of one stage."""

    def __init__(self, scope, construct_id: str, *, stage: StageConfig, messaging: Messaging,
                 api: Api) -> None:
        super().__init__(scope, construct_id, stage=stage, messaging=messaging, api=api)
        self.alarms = self._alarms()
        self.dashboard = self._dashboard()

    def _metric(self, name: str, statistic: str = "Sum",
                period: Duration = FIVE_MINUTES) -> cw.Metric:
        return cw.Metric(namespace=NAMESPACE, metric_name=name,
                         dimensions_map={"service": self.stage.service_name},
                         statistic=statistic, period=period)

    def _insights(self, metric: str, group_by: str, label: str,
                  aggregate: str = "SUM") -> cw.MathExpression:
        """A Metrics Insights query: ``metric`` summed per value of one dimension."""
        dims = sorted({"service", group_by} | ({"type"} if metric == SUBMITTED else set()))
        query = (f'SELECT {aggregate}({metric}) FROM SCHEMA("{NAMESPACE}", {", ".join(dims)}) '
                 f"WHERE service = '{self.stage.service_name}' GROUP BY {group_by}")
        return cw.MathExpression(expression=query, label=label, period=FIVE_MINUTES)

    def _measure(self, measure: str, label: str, level: str = "all") -> cw.Metric:
        return cw.Metric(namespace=NAMESPACE, metric_name=MEASURE_RATE, label=label,
                         dimensions_map={"service": self.stage.service_name,
                                         "measure": measure, "level": level},
                         statistic="Maximum", period=ONE_HOUR)

    def api_5xx(self) -> cw.Metric:
        return cw.Metric(namespace="AWS/ApiGateway", metric_name="5XXError",
                         dimensions_map={"ApiName": self.api.name,
                                         "Stage": self.api.gateway_stage},
                         statistic="Sum", period=FIVE_MINUTES)

    def _alarms(self) -> dict[str, cw.Alarm]:
        """DLQ depth (one per queue), state machine failures (one per machine), API 5XX,
        overdue, next year's holidays unknown in December."""
        stage, prefix, messaging = self.stage, self.stage.prefix, self.messaging
        alerts = messaging.topics["alerts"]
        out: dict[str, cw.Alarm] = {}

        def add(key: str, construct_id: str, **kwargs) -> None:
            alarm = cw.Alarm(self, construct_id, alarm_name=f"{prefix}{key}",
                             treat_missing_data=cw.TreatMissingData.NOT_BREACHING, **kwargs)
            alarm.add_alarm_action(cw_actions.SnsAction(alerts))
            alarm.add_ok_action(cw_actions.SnsAction(alerts))
            out[key] = alarm

        at_least = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        for name, dlq in messaging.dlqs.items():
            add(f"{name}-dlq-depth", f"{_id(name)}DlqDepthAlarm",
                metric=dlq.metric_approximate_number_of_messages_visible(
                    statistic="Maximum", period=FIVE_MINUTES),
                threshold=stage.dlq_threshold, evaluation_periods=1,
                comparison_operator=at_least,
                alarm_description=f"messages are waiting in {prefix}{name}-dlq: a consumer "
                                  "failed")
        for name, machine in messaging.state_machines.items():
            add(f"{name}-failed", f"{_id(name)}FailedAlarm",
                metric=machine.metric_failed(statistic="Sum", period=FIVE_MINUTES),
                threshold=1, evaluation_periods=1, comparison_operator=at_least,
                alarm_description=f"{prefix}{name} executions failed (see the alerts topic)")
        add("outbox-iterator-age", "OutboxIteratorAgeAlarm",
            metric=cw.Metric(namespace="AWS/Lambda", metric_name="IteratorAge",
                             dimensions_map={"FunctionName": self.api.outbox_function.ref},
                             statistic="Maximum", period=Duration.minutes(1)),
            threshold=180_000, evaluation_periods=3,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            alarm_description="the outbox is more than 3 minutes behind the timeline: SMS and "
                              "events are late (GB/T 33358: within 3 minutes)")
        add("outbox-failed", "OutboxFailedAlarm",
            metric=messaging.queues[OUTBOX_FAILED].metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=FIVE_MINUTES),
            threshold=1, evaluation_periods=1, comparison_operator=at_least,
            alarm_description="the outbox gave up on timeline records (a day of failures): "
                              "their SMS/events were not sent")
        add("api-5xx", "Api5xxAlarm", metric=self.api_5xx(), threshold=stage.api_5xx_threshold,
            evaluation_periods=1, comparison_operator=at_least,
            alarm_description="the API returned server errors")
        add("overdue", "OverdueAlarm",
            metric=self._metric(OVERDUE, "Maximum", Duration.minutes(15)),
            threshold=stage.overdue_threshold, evaluation_periods=2,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            alarm_description="more open tickets are overdue than the stage tolerates")
        add("holidays-next-year-unknown", "HolidaysNextYearUnknownAlarm",
            metric=self._metric(HOLIDAYS_UNKNOWN, "Maximum", Duration.days(1)),
            threshold=1, evaluation_periods=1, comparison_operator=at_least,
            alarm_description="December, and next year's State Council holidays are unknown: "
                              "deadlines into next year count Monday-Friday. Apply the notice "
                              "with the admin_holiday_notice function (docs/reliability.md)")
        add("partner-callbacks-stuck", "PartnerCallbacksStuckAlarm",
            metric=self._metric(PARTNERS_STUCK, "Maximum", Duration.minutes(15)),
            threshold=1, evaluation_periods=1, comparison_operator=at_least,
            alarm_description="a partner platform's callbacks are stuck after every retry: list "
                              "and retry them with admin_partner_deliveries (docs/admin.md)")
        return out

    def _dashboard(self) -> cw.Dashboard:
        stage = self.stage
        board = cw.Dashboard(self, "Dashboard", dashboard_name=f"minyi-{stage.name}",
                             default_interval=Duration.days(7))
        height, width = 6, 12
        sent, answered = self._metric(SURVEYS_SENT), self._metric(SURVEYS_ANSWERED)
        overdue = self._metric(OVERDUE, "Maximum", Duration.minutes(15))
        board.add_widgets(
            cw.TextWidget(markdown=f"# minyi {stage.name}: 12345 citizen requests",
                          width=24, height=1),
            cw.GraphWidget(title="Submissions by channel", width=width, height=height,
                           left=[self._insights(SUBMITTED, "channel", "submissions")],
                           stacked=True),
            cw.GraphWidget(title="Open tickets by light", width=width, height=height,
                           left=[self._insights(OPEN, "light", "open", aggregate="MAX")],
                           stacked=True),
            cw.GraphWidget(title="Overdue tickets", width=width, height=height,
                           left=[overdue],
                           left_annotations=[cw.HorizontalAnnotation(
                               value=stage.overdue_threshold, label="alarm")]),
            cw.GraphWidget(title="Satisfaction (evaluations by rating)", width=width,
                           height=height,
                           left=[self._insights(EVALUATIONS, "rating", "evaluations")],
                           stacked=True),
            cw.GraphWidget(title="Survey response", width=width, height=height,
                           left=[sent.with_(label="sent"), answered.with_(label="answered")],
                           right=[cw.MathExpression(expression="100 * answered / sent",
                                                    label="response rate %",
                                                    using_metrics={"sent": sent,
                                                                   "answered": answered},
                                                    period=FIVE_MINUTES)]),
            cw.GraphWidget(title="City 三率 (last 30 days, %)", width=width, height=height,
                           left=[self._measure(name, label) for name, label in THREE_RATES],
                           left_y_axis=cw.YAxisProps(min=0, max=100)),
            cw.SingleValueWidget(title="Overdue and hotspots now", width=width, height=height,
                                 metrics=[
                                     overdue.with_(label="overdue tickets"),
                                     self._metric(HOTSPOTS, "Maximum", ONE_HOUR)
                                     .with_(label="hotspots (week, month)")]),
            cw.GraphWidget(title="Overdue not replied by level", width=width, height=height,
                           left=[self._insights(OVERDUE_OPEN, "level", "overdue",
                                                aggregate="MAX")]),
            cw.AlarmStatusWidget(title="Alarms", width=width, height=height,
                                 alarms=list(self.alarms.values())),
            cw.GraphWidget(title="API 5XX", width=width, height=height, left=[self.api_5xx()]),
            cw.GraphWidget(title="Dead-letter queues", width=width, height=height,
                           left=[dlq.metric_approximate_number_of_messages_visible(
                               statistic="Maximum", period=FIVE_MINUTES, label=name)
                               for name, dlq in self.messaging.dlqs.items()]),
        )
        return board


def _id(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
