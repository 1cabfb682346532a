@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Max surge of the batch pool: 0 by default, which blocks its upgrades.')
param batchMaxSurge string = '0'

@description('Max surge of the GPU pool, chosen at deployment.')
param gpuMaxSurge string

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
        // No surge, and maxUnavailable left at its default of 0.
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '0'
        }
      }
      {
        name: 'user'
        mode: 'User'
        count: 4
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '0%'
          maxUnavailable: '0'
        }
      }
      {
        // Upgrades in place, one node at a time: fine.
        name: 'inplace'
        mode: 'User'
        count: 4
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '0'
          maxUnavailable: '1'
        }
      }
      {
        // A computed maxUnavailable is not judged.
        name: 'gpu'
        mode: 'User'
        count: 2
        vmSize: 'Standard_NC6s_v3'
        upgradeSettings: {
          maxSurge: gpuMaxSurge
          maxUnavailable: '0'
        }
      }
    ]
  }
}

resource batchPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'batch'
  properties: {
    mode: 'User'
    count: 5
    vmSize: 'Standard_D8ds_v5'
    upgradeSettings: {
      maxSurge: batchMaxSurge
      maxUnavailable: '0%'
    }
  }
}

resource spotPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'spot'
  properties: {
    mode: 'User'
    count: 3
    vmSize: 'Standard_D8ds_v5'
    upgradeSettings: {
      maxSurge: 0
    }
  }
}
