@description('Azure region of the cluster.')
param location string = resourceGroup().location

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-prod'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.33'
    dnsPrefix: 'aks-prod'
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '33%'
        }
      }
      {
        name: 'user'
        mode: 'User'
        count: 4
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '0'
          maxUnavailable: '25%'
        }
      }
    ]
  }
}
