@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Node count of the batch pool, chosen at deployment.')
param batchCount int

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
      }
      {
        // Autoscaled up to 10 nodes; the drain timeout is set but not the surge.
        name: 'user'
        mode: 'User'
        enableAutoScaling: true
        minCount: 1
        maxCount: 10
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          drainTimeoutInMinutes: 60
        }
      }
      {
        // Two nodes: below the threshold.
        name: 'small'
        mode: 'User'
        count: 2
        vmSize: 'Standard_D4ds_v5'
      }
      {
        // A count computed at deployment is not judged.
        name: 'batch'
        mode: 'User'
        count: batchCount
        vmSize: 'Standard_D4ds_v5'
      }
      {
        // Upgrades in place by choice.
        name: 'inplace'
        mode: 'User'
        count: 6
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '0'
          maxUnavailable: '1'
        }
      }
    ]
  }
}

resource gpuPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'gpu'
  properties: {
    mode: 'User'
    count: 4
    vmSize: 'Standard_NC6s_v3'
  }
}
