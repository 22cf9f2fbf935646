"""The errors of group visits, with Swedish messages."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class GroupNotFound(NotFound):
    code = "GROUP_BOOKING_NOT_FOUND"
    message = "Grupprequest hittades inte"


class InvalidGroupDates(EquinetError):
    code = "INVALID_DATES"
    message = "Ogiltiga datum"


class InvalidInviteCode(NotFound):
    code = "INVALID_INVITE_CODE"
    message = "Ogiltig inbjudningskod"


class GroupClosed(EquinetError):
    code = "GROUP_CLOSED"
    message = "Grupprequesten är inte längre öppen för nya deltagare"


class GroupFull(EquinetError):
    code = "GROUP_FULL"
    message = "Grupprequesten är fullt belagd"


class DeadlinePassed(EquinetError):
    code = "DEADLINE_PASSED"
    message = "Anslutnings-deadline har passerat"


class AlreadyJoined(Conflict):
    code = "ALREADY_JOINED"
    message = "Du är redan med i denna grupprequest"


class ParticipantNotFound(NotFound):
    code = "PARTICIPANT_NOT_FOUND"
    message = "Deltagaren hittades inte eller saknar behörighet"


class GroupNotEditable(Conflict):
    code = "GROUP_NOT_EDITABLE"
    message = "Endast öppna grupprequests kan ändras"


class CapacityBelowParticipants(EquinetError):
    code = "CAPACITY_BELOW_PARTICIPANTS"
    message = "Max antal deltagare kan inte vara lägre än antalet som redan är med"


class GroupNotOpen(NotFound):
    code = "GROUP_NOT_OPEN"
    message = "Grupprequesten hittades inte eller är inte öppen"


class ServiceNotYours(EquinetError):
    code = "SERVICE_NOT_YOURS"
    message = "Tjänsten hittades inte eller tillhör inte dig"


class NoActiveParticipants(EquinetError):
    code = "NO_ACTIVE_PARTICIPANTS"
    message = "Inga aktiva deltagare i grupprequesten"


class DateOutsideGroup(EquinetError):
    code = "DATE_OUTSIDE_GROUP"
    message = "Bokningsdatum måste vara inom grupprequestens datum-spann"


class GroupMatchFailed(EquinetError):
    code = "GROUP_MATCH_FAILED"
    message = "Gruppbesöket kunde inte bokas"
