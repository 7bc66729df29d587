namespace Alerting.Functions.Storage;

/// <summary>Every queue, table and container name in one place: function attributes and clients must agree.</summary>
public static class StorageNames
{
    public const string Connection = "AzureWebJobsStorage";

    public const string AlertsQueue = "alerts";
    public const string NotificationsQueue = "notifications";
    public const string EscalationsQueue = "escalations";
    public const string ScrapesQueue = "scrapes";
    public const string EvaluationsQueue = "evaluations";

    public const string RuleStateTable = "rulestate";
    public const string AlertsTable = "alerts";
    public const string GroupsTable = "groups";
    public const string NotificationLogTable = "nflog";
    public const string IncidentsTable = "incidents";
    public const string AuditTable = "audit";
    public const string LinkNoncesTable = "linknonces";
    public const string PagerDutyKeysTable = "pagerdutykeys";
    public const string InhibitSourcesTable = "inhibitsources";
    public const string HeartbeatsTable = "heartbeats";

    public const string SamplesContainer = "samples";

    public static readonly string[] Queues = [AlertsQueue, NotificationsQueue, EscalationsQueue, ScrapesQueue, EvaluationsQueue];
    public static readonly string[] Tables = [RuleStateTable, AlertsTable, GroupsTable, NotificationLogTable, IncidentsTable, AuditTable, LinkNoncesTable, HeartbeatsTable, PagerDutyKeysTable, InhibitSourcesTable];
}
