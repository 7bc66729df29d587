// Alerting.Functions on Azure, as `azd up` deploys it: a resource group holding everything in
// resources.bicep. Parameters come from main.parameters.json, which maps them to azd environment values.
// Checked in CI: .ci/run compiles and lints this folder with the Bicep CLI (warnings are errors), and
// tests/Alerting.Deployment.Tests asserts the compiled template's essentials.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and makes resource names unique.')
param environmentName string

@minLength(1)
@description('Azure region of every resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create or reuse; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of whoever runs azd (set by azd); gets write access to the config container and the Key Vault secrets. Empty: nobody.')
param principalId string = ''

@description('Kind of principalId: User from a workstation, ServicePrincipal from a deploy workflow.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Where the app reads rule files, alertmanager.yml, templates, escalation and on-call files: "blob" mirrors the config container (change a file without a redeploy), "package" reads rules/ from the deployed package.')
@allowed(['blob', 'package'])
param configSource string = 'blob'

@description('NCRONTAB schedules of the scrape and evaluation timers (six fields, with seconds).')
param scrapeSchedule string = '*/15 * * * * *'
param evaluateSchedule string = '*/15 * * * * *'

@description('Maximum instances Flex Consumption may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@secure()
@description('HMAC key (at least 32 bytes) signing one-click Acknowledge links in emails. Empty: no links.')
param linkSigningKey string = ''

@secure()
@description('Slack bot token (xoxb-...) for chat.postMessage/chat.update. Empty: escalation posts to the receiver webhook.')
param slackBotToken string = ''

@secure()
@description('Slack app signing secret verifying Acknowledge button clicks. Empty: /api/slack/interactions answers 503.')
param slackSigningSecret string = ''

@secure()
@description('PagerDuty v3 webhook signing secret(s), ";"-separated while rotating. Empty: /api/pagerduty/webhook answers 503.')
param pagerDutyWebhookSecret string = ''

@secure()
@description('Fly.io API token for fly_sd_configs that name none themselves (docs/fly.md). Empty: such configs fail with a clear error.')
param flyApiToken string = ''

@secure()
@description('Bearer token (or basic-auth password) Grafana sends to /api/prometheus (docs/query.md). Empty: only the function-key routes.')
param queryToken string = ''

@secure()
@description('Bearer token (or basic-auth password) remote_write senders use on /api/prometheus/api/v1/write (docs/http-api.md). Empty: only the function-key route.')
param remoteWriteToken string = ''

@secure()
@description('Azure Communication Services connection string (endpoint=...;accesskey=...) for on-call people\'s sms: contacts. Empty: no SMS pages.')
param acsConnectionString string = ''

@description('The number (E.164) or short code of the ACS resource that SMS pages are sent from; required with acsConnectionString.')
param acsSmsFrom string = ''

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module app 'resources.bicep' = {
  name: take('alerting-${environmentName}', 64)
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    tags: tags
    principalId: principalId
    principalType: principalType
    configSource: configSource
    scrapeSchedule: scrapeSchedule
    evaluateSchedule: evaluateSchedule
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    linkSigningKey: linkSigningKey
    slackBotToken: slackBotToken
    slackSigningSecret: slackSigningSecret
    pagerDutyWebhookSecret: pagerDutyWebhookSecret
    flyApiToken: flyApiToken
    queryToken: queryToken
    remoteWriteToken: remoteWriteToken
    acsConnectionString: acsConnectionString
    acsSmsFrom: acsSmsFrom
  }
}

// azd stores these in the environment (.azure/<env>/.env); the predeploy hook and the docs use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = app.outputs.functionAppUrl
output AZURE_STORAGE_ACCOUNT_NAME string = app.outputs.storageAccountName
output AZURE_CONFIG_CONTAINER string = app.outputs.configContainer
output AZURE_CONFIG_SOURCE string = configSource
output AZURE_KEY_VAULT_NAME string = app.outputs.keyVaultName
output APPLICATIONINSIGHTS_NAME string = app.outputs.applicationInsightsName
