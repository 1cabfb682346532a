@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Drain timeout of the batch pool, in minutes: 0 by default, which AKS refuses.')
param batchDrainTimeout int = 0

@description('Soak time of the GPU pool, chosen at deployment.')
param gpuSoak int

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
          maxSurge: '150%'
          maxUnavailable: '1.5'
          drainTimeoutInMinutes: 1441
          nodeSoakDurationInMinutes: 31
          undrainableNodeBehavior: 'Drain'
        }
      }
      {
        // The edges of every range: fine.
        name: 'user'
        mode: 'User'
        count: 4
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '100%'
          drainTimeoutInMinutes: 1
          nodeSoakDurationInMinutes: 0
          undrainableNodeBehavior: 'Cordon'
        }
      }
      {
        name: 'edge'
        mode: 'User'
        count: 4
        vmSize: 'Standard_D4ds_v5'
        upgradeSettings: {
          maxSurge: '5'
          drainTimeoutInMinutes: 1440
          nodeSoakDurationInMinutes: 30
          undrainableNodeBehavior: 'Schedule'
        }
      }
      {
        name: 'gpu'
        mode: 'User'
        count: 2
        vmSize: 'Standard_NC6s_v3'
        upgradeSettings: {
          maxSurge: '99999999999999999999999'
          drainTimeoutInMinutes: -5
          nodeSoakDurationInMinutes: gpuSoak
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
      maxSurge: '33%'
      drainTimeoutInMinutes: batchDrainTimeout
    }
  }
}
