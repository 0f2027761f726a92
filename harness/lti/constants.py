"""Claim names, role URIs, scopes and media types of LTI 1.3 and LTI Advantage.

Kept in one table so checks, builders and tests spell them the same way.
"""

from __future__ import annotations

P = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = P + "message_type"
VERSION = P + "version"
DEPLOYMENT_ID = P + "deployment_id"
TARGET_LINK_URI = P + "target_link_uri"
RESOURCE_LINK = P + "resource_link"
ROLES = P + "roles"
CONTEXT = P + "context"
TOOL_PLATFORM = P + "tool_platform"
LAUNCH_PRESENTATION = P + "launch_presentation"
LIS = P + "lis"
CUSTOM = P + "custom"
ROLE_SCOPE_MENTOR = P + "role_scope_mentor"

DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"

LTI_VERSION = "1.3.0"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"
LEARNER = MEMBERSHIP + "Learner"
INSTRUCTOR = MEMBERSHIP + "Instructor"
MENTOR = MEMBERSHIP + "Mentor"
STUDENT = INSTITUTION + "Student"
FACULTY = INSTITUTION + "Faculty"
#: Prefixes of the LIS v2 vocabularies; a role starting with one of them is an LIS role.
LIS_ROLE_PREFIXES = (MEMBERSHIP, INSTITUTION, SYSTEM, "http://purl.imsglobal.org/vocab/lis/v2/membership/")
#: Simple names (deprecated short form, LTI Core 1.3 §A.2.3.1) accepted as context roles.
SHORT_ROLES = ("Learner", "Instructor", "Administrator", "ContentDeveloper", "Mentor",
               "TeachingAssistant")

SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS_SCOPE + "lineitem"
SCOPE_LINEITEM_RO = AGS_SCOPE + "lineitem.readonly"
SCOPE_RESULT_RO = AGS_SCOPE + "result.readonly"
SCOPE_SCORE = AGS_SCOPE + "score"
ALL_SCOPES = (SCOPE_NRPS, SCOPE_LINEITEM, SCOPE_LINEITEM_RO, SCOPE_RESULT_RO, SCOPE_SCORE)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NRPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA = "application/vnd.ims.lis.v2.resultcontainer+json"

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
DOCUMENT_TARGETS = ("frame", "iframe", "window")
#: JWT header members a message should not carry (LTI Core 1.3 / Security Framework §5.1.3).
FORBIDDEN_HEADERS = ("x5u", "x5c", "jku", "jwk")
