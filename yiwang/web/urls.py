from django.urls import path

from .views import audit, common, desks, media, portal

app_name = "web"
DESKS = "<str:desk>"
urlpatterns = [
    # case photos, for whoever may read their case (the rest of /media/ is not served in production)
    path("media/attachments/<path:path>", media.attachment, name="attachment"),
    # resident portal
    path("portal/", portal.portal, name="portal"),
    path("portal/submit/", portal.submit, name="portal_submit"),
    path("portal/nearby/", portal.nearby, name="portal_nearby"),
    path("portal/nearby/<str:number>/same/", portal.same_problem, name="portal_same_problem"),
    path("portal/submitted/<str:number>/", portal.submitted, name="portal_submitted"),
    path("portal/follow/", portal.follow, name="portal_follow"),
    path("portal/follow/code/", portal.follow_code, name="portal_follow_code"),
    path("portal/case/<str:number>/", portal.case_view, name="portal_case"),
    path("portal/case/<str:number>/rate/", portal.rate, name="portal_rate"),
    path("portal/case/<str:number>/appeal/", portal.appeal, name="portal_appeal"),
    path("portal/mine/", portal.mine, name="portal_mine"),
    # staff desks
    path("desk/operator/", desks.operator, name="operator"),
    path("desk/operator/caller/", desks.caller_lookup, name="caller"),
    path("desk/knowledge/", desks.knowledge, name="knowledge"),
    path("desk/dispatch/", desks.dispatch, name="dispatch"),
    path("desk/dispatch/bulk/", desks.dispatch_bulk, name="dispatch_bulk"),
    path("desk/dispatch/bulk/<str:key>/", desks.dispatch_bulk_result, name="dispatch_bulk_result"),
    path("desk/dispatch/case/<str:number>/cohandling/", desks.cohandling_decide, name="cohandling_decide"),
    path("desk/dispatch/case/<str:number>/accept-dispatch/", desks.accept_dispatch, name="accept_dispatch"),
    path("desk/unit/", desks.unit, name="unit"),
    path("desk/unit/case/<str:number>/cohandling/", desks.cohandling_ask, name="cohandling_ask"),
    path("desk/grid/", desks.grid, name="grid"),
    path("desk/grid/report/", desks.patrol, name="patrol"),
    path("desk/area/<str:code>.geojson", common.area_geojson, name="area_geojson"),
    # the audit trail (auditors and admins)
    path("audit/", audit.audit, name="audit"),
    path("audit/check/", audit.audit_check, name="audit_check"),
    path("audit/events.xlsx", audit.audit_export, name="audit_export"),
    # every desk's case page and its moves
    path(f"desk/{DESKS}/case/<str:number>/", common.desk_case, name="desk_case"),
    path(f"desk/{DESKS}/case/<str:number>/reveal/", common.reveal, name="reveal"),
    path(f"desk/{DESKS}/case/<str:number>/photos/<str:token>/publish/", common.photo_publish, name="photo_publish"),
    path(f"desk/{DESKS}/case/<str:number>/<str:action>/", common.move, name="move"),
]
