namespace Alerting.Core.Acknowledgement;

/// <summary>Where an alert (or alert group) stands from the operators' point of view.</summary>
public enum AlertStatus
{
    Firing,
    Acknowledged,
    Resolved,
    Snoozed,
    Silenced,
}
