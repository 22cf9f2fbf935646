"""The errors of group visits, with Swedish messages."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class GroupNotFound(NotFound):
    code = "GroupBookingNotFound"
    message = "Grupprequest hittades inte"


class InvalidGroupDates(EquinetError):
    code = "InvalidDates"
    message = "Ogiltiga datum"


class InvalidInviteCode(NotFound):
    code = "InvalidInviteCode"
    message = "Ogiltig inbjudningskod"


class GroupClosed(EquinetError):
    code = "GroupClosed"
    message = "Grupprequesten är inte längre öppen för nya deltagare"


class GroupFull(EquinetError):
    code = "GroupFull"
    message = "Grupprequesten är fullt belagd"


class DeadlinePassed(EquinetError):
    code = "DeadlinePassed"
    message = "Anslutnings-deadline har passerat"


class AlreadyJoined(Conflict):
    code = "AlreadyJoined"
    message = "Du är redan med i denna grupprequest"


class ParticipantNotFound(NotFound):
    code = "ParticipantNotFound"
    message = "Deltagaren hittades inte eller saknar behörighet"


class GroupNotEditable(Conflict):
    code = "GroupNotEditable"
    message = "Endast öppna grupprequests kan ändras"


class CapacityBelowParticipants(EquinetError):
    code = "CapacityBelowParticipants"
    message = "Max antal deltagare kan inte vara lägre än antalet som redan är med"


class GroupNotOpen(NotFound):
    code = "GroupNotOpen"
    message = "Grupprequesten hittades inte eller är inte öppen"


class ServiceNotYours(EquinetError):
    code = "ServiceNotYours"
    message = "Tjänsten hittades inte eller tillhör inte dig"


class NoActiveParticipants(EquinetError):
    code = "NoActiveParticipants"
    message = "Inga aktiva deltagare i grupprequesten"


class DateOutsideGroup(EquinetError):
    code = "DateOutsideGroup"
    message = "Bokningsdatum måste vara inom grupprequestens datum-spann"


class GroupMatchFailed(EquinetError):
    code = "GroupMatchFailed"
    message = "Gruppbesöket kunde inte bokas"
